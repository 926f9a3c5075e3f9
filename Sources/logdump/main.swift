import LogDumpCLI

LogdumpMain.main()
