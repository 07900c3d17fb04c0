"""parbook — sổ tự kiểm tra CCHC hằng quý của UBND xã (quarterly PAR/SIPAS self-inspection)."""

from parbook.heap import return_freed_memory

__version__ = "0.1.0"

return_freed_memory()
