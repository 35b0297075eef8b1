"""python -m smtpcodes"""

from smtpcodes.cli import main

main()
