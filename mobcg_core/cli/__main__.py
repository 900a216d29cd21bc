import sys

from mobcg_core.cli.main import main

sys.exit(main())
