from planalyzer.cli import main

main()
