"""What the vendors' documents fix, stated once: one module per vendor.

The facades (``blynkbook.blynk``, ``blynkbook.thingsee``) and the simulator
(``blynkbook.sim``) both import these names, so a client check and the simulated cloud's
refusal can never disagree. Nothing here imports anything of blynkbook: a facade must not
import the simulator, and the simulator should not load a facade (pandas, httpx) to learn a
constant. ``tests/test_vendor.py`` checks the names against the vendors' documents.
"""
