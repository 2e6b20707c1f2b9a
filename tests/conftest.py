import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # so tests.wrong_answers imports as a package
os.environ.setdefault("MPLBACKEND", "Agg")
