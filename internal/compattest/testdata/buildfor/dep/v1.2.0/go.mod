module MODPREFIX/dep

go 1.26
