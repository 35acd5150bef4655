module MODPREFIX/greetlib

go 1.26

require MODPREFIX/dep v1.3.0
