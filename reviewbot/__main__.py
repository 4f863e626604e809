"""python -m reviewbot"""

from reviewbot.cli.main import main

main()
