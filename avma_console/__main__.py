"""`python -m avma_console` is the same as the `avma-console` command."""

import sys

from avma_console.cli import main

sys.exit(main())
