from aimlabel.cli import main

main()
