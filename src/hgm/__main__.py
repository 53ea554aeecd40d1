from hgm.cli.app import main

main()
