import os
import sys

# The checkers live in chaos/chaoslib; these tests need no cluster and no binary.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
