import sys

from langchain_semantix.cli import main

sys.exit(main())
