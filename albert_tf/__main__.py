"""``python -m albert_tf`` is ``albert-tf``."""

import sys

from albert_tf.cli import main

sys.exit(main())
