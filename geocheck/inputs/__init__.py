"""Reading a submission as delivered: the input formats, containers (folders, .zip, .gdb), CAD
drawings, text encodings and the safety checks every input passes before GDAL opens it.

Adding an input format is a row in `formats.FORMATS` (plus a reader in `sources.py` when GDAL
alone cannot read it).
"""
