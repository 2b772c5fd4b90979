module github.com/msb/msb/sdk/go

go 1.19
