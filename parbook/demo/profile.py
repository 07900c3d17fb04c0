"""Parameters of the synthetic demo commune: volumes, shares, catalogue settings, defect counts.

Every value here is a DEMO ASSUMPTION chosen to look like a commune of Thừa Thiên Huế; none of
them is a legal fact. Legal facts (processing times, verification days, working days, the 15:00
rule) come from data/reference/ and parbook.timeline.calendar, never from this file.
"""

from __future__ import annotations

UNIT_CODE = "DEMO-ANLOC"
PLAN_CODE_PATTERN = "kh-par-sipas-{year}"
# [U] agency segment of the commune's dossier codes (V1V2V3.Z1Z2.Y1Y2.MX1X2; H57 = Huế,
# regulations.md §16 item 8): codes read 000.17.22.H57-YYMMDD-XXXX, XXXX = daily sequence.
AGENCY_PREFIX = "000.17.22.H57"

# --- volumes and calendar of the export ---------------------------------------------------------
DOSSIERS_PER_YEAR = 3000            # expected receipts in 365 days
FIRST_RECEIPT = (11, 15)            # month, day of the previous year: the export starts here
EXPORT_DAY = (1, 3)                 # month, day of the next year: the export was taken then
EXPORT_TIME = "16:00"               # (moved to the next working day if needed)
# relative receipt volume per calendar month (pre-Tết peak in January, Tết dip in February,
# school enrolment copies in August)
MONTH_FACTOR = {1: 1.3, 2: 0.75, 3: 1.0, 4: 0.95, 5: 1.0, 6: 1.05, 7: 1.1, 8: 1.2, 9: 1.0,
                10: 0.95, 11: 0.95, 12: 1.05}
ONLINE_OFF_DAY_WEIGHT = 0.35        # online receipts on a day off, relative to a working day

# --- procedures -------------------------------------------------------------------------------
# share of receipts per procedure (normalised); chứng thực bản sao dominates, as in every commune
PROCEDURE_MIX = {
    "2.000815": 0.42,   # Chứng thực bản sao từ bản chính
    "2.000884": 0.11,   # Chứng thực chữ ký
    "2.001035": 0.06,   # Chứng thực hợp đồng, giao dịch
    "2.001019": 0.004,  # Chứng thực di chúc
    "1.001193": 0.07,   # Đăng ký khai sinh
    "1.000656": 0.025,  # Đăng ký khai tử
    "1.000894": 0.025,  # Đăng ký kết hôn
    "1.001022": 0.005,  # Đăng ký nhận cha, mẹ, con
    "1.004837": 0.002,  # Đăng ký giám hộ
    "1.004873": 0.06,   # Xác nhận tình trạng hôn nhân
    "1.004884": 0.01,   # Đăng ký lại khai sinh
    "2.000635": 0.06,   # Cấp bản sao trích lục hộ tịch
    "1.004222": 0.05,   # Đăng ký thường trú
    "1.004194": 0.02,   # Đăng ký tạm trú (time unknown in the catalogue)
    "1.001731": 0.006,  # Hỗ trợ chi phí mai táng (time unknown)
    "1.001776": 0.008,  # Trợ cấp xã hội hàng tháng (time unknown)
    "1.011607": 0.004,  # Công nhận hộ nghèo, hộ cận nghèo (time unknown)
}
# The commune's own catalogue (sheet DanhMucTTHC): online level of each procedure used.
# [U] demo values — the real levels come from the province's published catalogue.
DEMO_ONLINE_LEVEL = {
    "2.000815": "partial", "2.000884": "none", "2.001035": "none", "2.001019": "none",
    "1.001193": "full", "1.000656": "full", "1.000894": "partial", "1.001022": "partial",
    "1.004837": "partial", "1.004873": "full", "1.004884": "full", "2.000635": "full",
    "1.004222": "full", "1.004194": "full", "1.001731": "partial", "1.001776": "partial",
    "1.011607": "partial",
}
# [U] appointment (working days) the demo commune gives for procedures whose legal time is not
# in the catalogue; the checks cannot compute a legal due date for them.
APPOINTMENT_DAYS_WITHOUT_LEGAL_TIME = {"1.004194": 3, "1.001731": 5, "1.001776": 10, "1.011607": 10}

# --- channels and delivery -------------------------------------------------------------------
ONLINE_PROBABILITY = {"full": 0.7, "partial": 0.38, "none": 0.0}   # → about 40% online
POSTAL_SHARE_OF_COUNTER = 0.05      # BCCI receipts among non-online receipts
# counter receipts: 07:30–11:30 and 13:30–17:00; share of the afternoon after 15:00
MORNING_SHARE = 0.55
AFTERNOON_AFTER_15_SHARE = 0.28
# online receipts: relative weight of each hour of the day (evening peak, quiet night)
ONLINE_HOUR_WEIGHTS = [1, 0.5, 0.3, 0.2, 0.3, 1, 3, 6, 9, 9, 8, 7, 5, 6, 8, 8, 7, 6, 6, 8, 9, 8,
                       5, 3]
DELIVERY_OF_ONLINE = {"online": 0.55, "postal": 0.15, "counter": 0.30}
POSTAL_DELIVERY_OF_DIRECT = 0.05
DIGITIZED_COUNTER = 0.82            # online dossiers are always digitized
ELECTRONIC_RESULT_NOT_ONLINE = 0.2

# --- processing paths (mutually exclusive per dossier) -------------------------------------------
WITHDRAWN_RATE = 0.006
REJECTED_RATE = 0.01
LATE_RATE_MULTI_DAY = 0.12          # procedures of >= 2 working days (an apology is then possible)
RECEPTION_SUPPLEMENT_RATE = 0.06    # multi-day procedures
APPRAISAL_SUPPLEMENT_RATE = 0.05    # procedures of >= 3 working days with a known time
PAUSE_RATE = 0.015                  # procedures of >= 3 working days with a known time
VERIFICATION_RATE = {"1.000894": 0.08, "1.001022": 0.3}
FEEDBACK_PER_YEAR = 40
SURVEY_RATING_P = [0.01, 0.02, 0.07, 0.35, 0.55]   # ratings 1..5

# --- seeded defects: records per variant (parbook.demo.defects) ---------------------------------
# HS03 (5 variants), HS04 (8 records in 6 variants) and HS05 (3 variants) seed one record per
# variant; BM01 follows from three HS03 variants (one field each).
DEFECTS = {
    "HS01_malformed": 3, "HS01_date": 3, "HS02": 4, "HS06": 5, "HS07": 4, "HS08_settled": 4,
    "HS08_pending": 1, "HS09": 3, "HS10": 3, "HS11": 3, "HS12": 3, "HS13": 3, "HS14": 3,
    "HS15_missing": 3, "HS15_late": 1, "PA01": 3, "PA02": 3, "KS01_unknown": 2,
    "KS01_before_return": 1, "KS01_not_returned": 1, "KS02": 4, "VB01": 3, "VB02": 3,
    "NV01_not_done": 2, "NV01_late": 2, "NV02": 3,
    "NV02_due_later": 1, "HS15_settled_before": 1,
}

# --- the span demo (parbook.demo.span): 2024 to 2026-Q3, across the switch and a merger ---------
# The demo commune's first commune-year (2024, its export starting 15/11/2023) is generated as it
# always was; the rest runs from SPAN_CONTINUES to SPAN_LAST_DAY, exported once on SPAN_EXPORT_DAY.
SPAN_CONTINUES = (2025, 1, 1)
SPAN_LAST_DAY = (2026, 9, 30)
SPAN_EXPORT_DAY = (2026, 10, 1)     # (moved to the next working day if needed), EXPORT_TIME
SPAN_DEFAULT_PERIOD = "2026-Q3"     # what `parbook demo` renders without --period
MERGER_DAY = (2025, 7, 1)           # the two old communes end the day before (valid_to)
# Two fictitious old communes merged into the demo commune on MERGER_DAY: their own unit codes,
# dossier-code agency segments [U demo values], PAKN id tags and yearly volumes.
PREDECESSORS = (
    {"unit_code": "DEMO-ANPHU", "unit_name": "Xã An Phú (mô phỏng)", "agency_prefix": "000.17.21.H57",
     "id_tag": "APHU-", "per_year": 1400},
    {"unit_code": "DEMO-ANTHANH", "unit_name": "Xã An Thạnh (mô phỏng)",
     "agency_prefix": "000.17.23.H57", "id_tag": "ATHANH-", "per_year": 1100},
)
