module MODPREFIX/app

go 1.26

require MODPREFIX/dep v1.2.0
