module MODPREFIX/greeter

go 1.26

require (
	MODPREFIX/dep v1.3.0
	MODPREFIX/greetlib v1.0.0
)
