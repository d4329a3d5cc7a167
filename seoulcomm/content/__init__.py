"""The content of each report kind: one module per kind, and one for the sections they share.

A notebook imports its module (``from seoulcomm.content import division as page``: no alias
that shadows a library module), prepares its scope (``r = page.prepare(...)``) and shows each
section (``page.show(page.summary(r))``).
Each section function shapes nothing itself: it asks :mod:`seoulcomm.views` for the figures
and returns display objects (:mod:`seoulcomm.display`) and charts (:mod:`seoulcomm.plot`).
"""
