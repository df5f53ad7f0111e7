"""Supplier scorecards: measures per partner and month (``catalogue``), their inputs read from the order desk
and the quality records (``delivery``, ``quality_inputs``), the batch run that stores them and decides
standings (``engine``, ``standings``), the records behind each figure (``drill``) and the charts (``charts``).
"""
