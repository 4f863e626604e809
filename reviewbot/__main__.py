"""python -m reviewbot"""

from reviewbot.cli import main

main()
