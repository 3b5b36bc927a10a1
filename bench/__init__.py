"""ModelGraft's performance suite: ``make bench`` (``python -m bench``)."""
