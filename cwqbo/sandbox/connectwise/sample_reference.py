"""Reference data of the sample Manage tenant (used by make_sample.py).

The names here (GL accounts, tax codes, terms, product types) are the contract with the
QBO sample: they appear verbatim in the dataset's top-level ``accountingNames``.
"""

from __future__ import annotations

CURRENCIES = {
    "USD": {
        "id": 1,
        "currencyCode": "USD",
        "currencyIdentifier": "USD",
        "symbol": "$",
        "name": "US Dollar",
        "numberOfDecimals": 2,
    },
    "CAD": {
        "id": 2,
        "currencyCode": "CAD",
        "currencyIdentifier": "CAD",
        "symbol": "$",
        "name": "Canadian Dollar",
        "numberOfDecimals": 2,
    },
}

LOCATIONS = [
    {"id": 1, "name": "Tampa HQ", "city": "Tampa", "state": "FL", "tax": "FL-HILLS"},
    {"id": 2, "name": "Denver Branch", "city": "Denver", "state": "CO", "tax": "CO-DENVER"},
    {"id": 3, "name": "Montréal Office", "city": "Montréal", "state": "QC", "tax": "QC-GST-QST"},
]

DEPARTMENTS = [
    {"id": 1, "identifier": "MS", "name": "Managed Services"},
    {"id": 2, "identifier": "PS", "name": "Professional Services"},
]

# (id, name, dueDays, default)
BILLING_TERMS = [
    (1, "Net 30", 30, True),
    (2, "Net 15", 15, False),
    (3, "Net 10", 10, False),
    (4, "Due on receipt", 0, False),
    (5, "Net 45", 45, False),
]

# (id, full QBO-style name, glType, mappedType, mappedRecord)
GL_ACCOUNTS = [
    (101, "Accounts Receivable", "AR", "Location", "Tampa HQ"),
    (102, "Accounts Payable", "AP", "Location", "Tampa HQ"),
    (110, "Income:Services:Managed:Remote Support", "R", "Work Role", "Engineer"),
    (
        111,
        "Income:Services:Managed:Remote Support:After Hours",
        "R",
        "Work Role",
        "After Hours Engineer",
    ),
    (112, "Income:Services:Managed:Onsite", "R", "Work Role", "Onsite Technician"),
    (113, "Income:Services:Projects", "R", "Work Role", "Project Engineer"),
    (120, "Income:Agreements:Managed Services", "RA", "Agreement Type", "Managed Services"),
    (130, "Income:Products:Hardware", "RP", "Product Type", "Hardware"),
    (131, "Income:Products:Software", "RP", "Product Type", "Software"),
    (132, "Income:Products:Licensing:Microsoft 365", "RP", "Product Type", "Licensing"),
    (133, "Income:Products:Services", "RP", "Product Type", "Labor"),
    (134, "Income:Products:Shipping", "RP", "Product Type", "Shipping"),
    (140, "Income:Reimbursed Expenses", "RE", "Expense Type", "Mileage"),
    (150, "Deferred Revenue:Down Payments", "RD", "Location", "Tampa HQ"),
    (160, "Sales Tax Payable", "ST", "Tax Code", "All"),
    (161, "Expense Tax", "ET", "Tax Code", "All"),
    (170, "Cost of Goods Sold:Hardware", "P", "Product Type", "Hardware"),
    (171, "Cost of Goods Sold:Software", "P", "Product Type", "Software"),
    (172, "Inventory Asset", "P", "Product Type", "Hardware"),
    (180, "Expenses:Travel:Mileage", "EE", "Expense Type", "Mileage"),
    (181, "Expenses:Travel:Meals", "EE", "Expense Type", "Meals"),
    (182, "Expenses:Travel:Lodging", "EE", "Expense Type", "Lodging"),
    (183, "Expenses:Office:Supplies", "EI", "Expense Type", "Supplies"),
    (184, "Expenses:Software Subscriptions", "EI", "Expense Type", "Software"),
    (185, "Employee Reimbursements Payable", "EO", "Location", "Tampa HQ"),
    (190, "Freight In", "PF", "Location", "Tampa HQ"),
    (191, "Purchase Tax", "PT", "Tax Code", "All"),
    (192, "Freight Tax", "FT", "Tax Code", "All"),
    (195, "Discounts Given", "SD", "Location", "Tampa HQ"),
]

# identifier -> (id, description, [(level, caption, taxCodeXref, agencyXref, percent)])
TAX_CODES = {
    "EXEMPT": (1, "Tax exempt", [(1, "Exempt", "Exempt", "", 0.0)]),
    "FL-HILLS": (
        2,
        "Florida + Hillsborough County",
        [
            (1, "FL State", "FL State", "Florida Department of Revenue", 6.0),
            (2, "Hillsborough County", "Hillsborough County", "Florida Department of Revenue", 1.5),
        ],
    ),
    "CO-DENVER": (
        3,
        "Colorado + Denver + RTD",
        [
            (1, "CO State", "CO State", "Colorado Department of Revenue", 2.9),
            (3, "Denver City", "Denver City", "City and County of Denver", 4.81),
            (5, "RTD District", "RTD District", "Colorado Department of Revenue", 1.0),
        ],
    ),
    "TX": (
        4,
        "Texas state sales tax",
        [
            (1, "TX State", "TX State", "Texas Comptroller", 6.25),
        ],
    ),
    "QC-GST-QST": (
        5,
        "Québec GST + QST",
        [
            (4, "GST", "GST", "Canada Revenue Agency", 5.0),
            (1, "QST", "QST", "Revenu Québec", 9.975),
        ],
    ),
}

LEVEL_WORDS = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six"}
LEVEL_PREFIX = {1: "state", 2: "county", 3: "city", 4: "country", 5: "composite", 6: "levelSix"}

# id, name, typeXref
PRODUCT_TYPES = [
    (1, "Hardware", "InventoryPart"),
    (2, "Software", "NonInventoryPart"),
    (3, "Licensing", "NonInventoryPart"),
    (4, "Labor", "Service"),
    (5, "Shipping", "OtherCharge"),
]
PRODUCT_TYPE_INCOME = {1: 130, 2: 131, 3: 132, 4: 133, 5: 134}

# id, identifier, description, type id, productClass, price, cost, taxable
CATALOG = [
    (743, "SSD-1TB", "Samsung 1TB SSD", 1, "Inventory", 129.0, 84.5, True),
    (744, "LAPTOP-14", 'Dell Latitude 14" laptop', 1, "Inventory", 1399.0, 1080.0, True),
    (745, "FW-TZ370", "SonicWall TZ370 firewall", 1, "Inventory", 845.0, 610.0, True),
    (746, "DOCK-USB-C", "USB-C dock", 1, "Inventory", 219.0, 150.0, True),
    (750, "AV-ENDPOINT", "Endpoint protection (1 yr)", 2, "NonInventory", 48.0, 22.0, True),
    (751, "BACKUP-SVR", "Server backup software", 2, "NonInventory", 399.0, 260.0, True),
    (
        760,
        "M365-BP",
        "Microsoft 365 Business Premium (monthly)",
        3,
        "NonInventory",
        22.0,
        18.7,
        False,
    ),
    (761, "M365-EXO", "Exchange Online Plan 1 (monthly)", 3, "NonInventory", 4.0, 3.4, False),
    (770, "ONSITE-SETUP", "Onsite setup & configuration", 4, "Service", 150.0, 0.0, False),
    (771, "BENCH-HR", "Bench repair hour", 4, "Service", 125.0, 0.0, False),
    (780, "SHIP-GROUND", "Ground shipping", 5, "NonInventory", 25.0, 18.0, False),
    (781, "SHIP-OVERNIGHT", "Overnight shipping", 5, "NonInventory", 65.0, 48.0, False),
]

WORK_ROLES = [
    ("Engineer", 110, 125.0, "Remote support"),
    ("After Hours Engineer", 111, 187.5, "After-hours emergency support"),
    ("Onsite Technician", 112, 140.0, "Onsite visit"),
    ("Project Engineer", 113, 165.0, "Project work"),
]

# id, identifier, name, kinds, location id, terms id, tax code, currency
COMPANIES = [
    (19, "OurCompany", "cwqbo Demo MSP", ("Owner",), 1, 1, "FL-HILLS", "USD"),
    (250, "ContosoLtd", "Contoso Ltd", ("Client",), 1, 1, "FL-HILLS", "USD"),
    (251, "OBrienSons", 'O\'Brien & Sons "IT"', ("Client",), 1, 2, "FL-HILLS", "USD"),
    (252, "CafeMuller", "Café Müller & Söhne", ("Client",), 2, 1, "CO-DENVER", "USD"),
    (253, "ZoesBakery", "Zoë's Bakery", ("Client",), 1, 4, "FL-HILLS", "USD"),
    (254, "SmithWesley", "Smith & Wesley Dental, P.A.", ("Client",), 1, 1, "FL-HILLS", "USD"),
    (255, "QuotedLogistics", '"Quoted" Logistics LLC', ("Client",), 2, 3, "CO-DENVER", "USD"),
    (
        256,
        "SocieteMontreal",
        "Société Générale de Montréal Ltée",
        ("Client",),
        3,
        1,
        "QC-GST-QST",
        "CAD",
    ),
    (257, "NorthwindTraders", "Northwind Traders", ("Client", "Vendor"), 2, 1, "CO-DENVER", "USD"),
    (258, "FabrikamInc", "Fabrikam, Inc.", ("Client",), 2, 5, "CO-DENVER", "USD"),
    (259, "AdventureWorks", "Adventure Works Cycles", ("Client",), 2, 1, "TX", "USD"),
    (260, "LoneStarLaw", "Lone Star Law Group", ("Client",), 2, 2, "TX", "USD"),
    (261, "StJudeClinic", "St. Jude's Family Clinic", ("Client",), 1, 1, "EXEMPT", "USD"),
    (262, "FirstBaptist", "First Baptist Church of Brandon", ("Client",), 1, 1, "EXEMPT", "USD"),
    (263, "HillsSchools", "Hillsborough Charter Schools", ("Client",), 1, 5, "EXEMPT", "USD"),
    (264, "BayAreaCPA", "Bay Area CPA's", ("Client",), 1, 1, "FL-HILLS", "USD"),
    (265, "RockyMtnAuto", "Rocky Mountain Auto & Tire", ("Client",), 2, 1, "CO-DENVER", "USD"),
    (266, "MileHighDental", "Mile High Dental", ("Client",), 2, 3, "CO-DENVER", "USD"),
    (267, "GulfCoastMarine", "Gulf Coast Marine Supply", ("Client",), 1, 1, "FL-HILLS", "USD"),
    (268, "TampaBayRealty", "Tampa Bay Realty <Group>", ("Client",), 1, 2, "FL-HILLS", "USD"),
    (269, "NunezArch", "Núñez Architecture Studio", ("Client",), 1, 1, "FL-HILLS", "USD"),
    (270, "BoulderBrew", "Boulder Brewing Co.", ("Client",), 2, 1, "CO-DENVER", "USD"),
    (271, "AustinAnalytics", "Austin Analytics", ("Client",), 2, 1, "TX", "USD"),
    (272, "LaurentideInc", "Laurentide Inc.", ("Client",), 3, 1, "QC-GST-QST", "CAD"),
    (273, "PalmHarborHOA", "Palm Harbor HOA", ("Client",), 1, 4, "FL-HILLS", "USD"),
    (274, "KeyWestCharters", "Key West Charters & Tours", ("Client",), 1, 1, "FL-HILLS", "USD"),
    (6, "TechDist", "TechDist Inc", ("Vendor",), 1, 3, "FL-HILLS", "USD"),
    (7, "IngramMicro", "Ingram Micro", ("Vendor",), 1, 1, "FL-HILLS", "USD"),
    (8, "Pax8", "Pax8", ("Vendor",), 2, 1, "CO-DENVER", "USD"),
    (9, "AmazonBusiness", "Amazon Business", ("Vendor",), 1, 4, "FL-HILLS", "USD"),
]
COMPANY_TYPE_IDS = {"Client": 1, "Vendor": 2, "Owner": 3}

# id, identifier, first, last, vendorNumber ("" = missing), location, inactive
MEMBERS = [
    (7, "jdoe", "Jane", "Doe", "EMP-JDOE", 1, False),
    (8, "zadmin", "Zach", "Admin", "EMP-ZADMIN", 1, False),
    (9, "mgarcia", "María", "García", "EMP-MGARCIA", 2, False),
    (10, "kobrien", "Kevin", "O'Brien", "EMP-KOBRIEN", 1, False),
    (11, "tnguyen", "Thu", "Nguyen", "", 2, False),
    (12, "lroy", "Luc", "Roy", "EMP-LROY", 3, False),
    (13, "oldtech", "Old", "Technician", "EMP-OLD", 1, True),
]

EXPENSE_TYPES = [
    (1, "Mileage", 180),
    (2, "Meals", 181),
    (3, "Lodging", 182),
    (4, "Supplies", 183),
    (5, "Software", 184),
]
PAYMENT_METHODS = [(1, "Cash"), (2, "Check"), (3, "Credit Card"), (4, "Company Credit Card")]


def accounting_names() -> dict:
    """Return the names another system must hold for this tenant's exports to map."""
    return {
        "glAccounts": [
            {"name": name, "glType": gl_type} for _id, name, gl_type, _t, _r in GL_ACCOUNTS
        ],
        "taxCodes": [
            {
                "identifier": ident,
                "description": desc,
                "combinedRatePercent": round(sum(lv[4] for lv in levels), 3),
                "levels": [
                    {"taxLevel": lv, "taxCodeXref": xref, "agencyXref": agency, "ratePercent": pct}
                    for lv, _cap, xref, agency, pct in levels
                ],
            }
            for ident, (_id, desc, levels) in TAX_CODES.items()
        ],
        "billingTerms": [{"name": n, "dueDays": d} for _i, n, d, _f in BILLING_TERMS],
        "productTypes": [{"name": n, "typeXref": x} for _i, n, x in PRODUCT_TYPES],
        "currencies": sorted(CURRENCIES),
        "paymentMethods": [n for _i, n in PAYMENT_METHODS],
    }
