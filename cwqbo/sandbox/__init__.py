"""Local simulators of the Manage and QBO APIs."""

# The read-only HTML viewers of both sandboxes share their look (inline CSS is fine here:
# the sandboxes are not the app and carry no CSP).
VIEWER_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem 2rem;color:#1d2733;background:#f7f8fa}
h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
a{color:#0b62a4}nav{margin-bottom:.5rem;color:#5b6775}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002;min-width:40rem}
th,td{padding:.3rem .7rem;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
"""
