"""`python -m aimlabel.fakeserver --port 0 ...`: see `aimlabel.fakeserver.server`."""

import sys

from aimlabel.fakeserver.server import main

sys.exit(main())
