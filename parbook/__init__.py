"""parbook — sổ tự kiểm tra CCHC hằng quý của UBND xã (quarterly PAR/SIPAS self-inspection)."""

__version__ = "0.1.0"
