"""Read queries per domain, the SQL behind the library's pure modules (docs/storage.md).

dashboard.py     provincial dashboard figures (assessment/dashboard.py: filters, targets)
city_ranking.py  §4(4) city indicators (assessment/city_ranking.py: weights, composite)
quality.py       rows for the data-quality flags (assessment/quality.py: the rules)
peers.py         scores_frame and the peer population (assessment/peer_service.py)
exports.py       submitted assessments with every stored score (assessment/spreadsheets.py)
"""
