"""`python -m aimlabel.testing.fakeserver --port 0 ...`: see `aimlabel.testing.fakeserver.server`."""

import sys

from aimlabel.testing.fakeserver.server import main

sys.exit(main())
