"""法定节假日数据（每年一个 JSON 文件）/ Statutory holiday data, one ``<year>.json`` per year.

A package (rather than a plain folder) so that setuptools ships the JSON files as package data.
Regenerate with ``tools/gen_holiday_data.py``.
"""
