#!/usr/bin/env python3
"""mixed.py - write a CSV the way real exports look, for tests/data.bats:
a comment line, an ID column, a date, numeric columns with empty and NA
fields, a string category, an integer-coded category, a target of words.
Usage: mixed.py ROWS SEED TRAIN.csv NEW.csv"""
import random, sys

n, seed, train, new = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
random.seed(seed)
cols = ["customer_id", "signup_date", "age", "income", "color", "mode", "city",
        "bought"]
rows = []
for i in range(n):
    age = random.randint(18, 80)
    income = round(random.gauss(50000, 15000), 2)
    color = random.choice(["red", "green", "blue"])
    mode = random.choice([1, 2, 3, 4])
    city = random.choice(["Paris", "Lyon", "Nice", "Lille"])
    score = ((age - 45) / 20 + (income - 50000) / 20000 +
             {"red": 1.0, "blue": -0.5, "green": 0.0}[color] +
             (0.8 if mode == 3 else 0) + (0.5 if city == "Nice" else 0))
    bought = "yes" if score + random.gauss(0, 0.5) > 0 else "no"
    a, inc = str(age), str(income)
    if random.random() < 0.05:
        a = ""
    if random.random() < 0.05:
        inc = "NA"
    if random.random() < 0.03:
        city = ""
    rows.append([f"C{i:04d}", f"2021-{random.randint(1, 12):02d}-"
                 f"{random.randint(1, 28):02d}", a, inc, color, str(mode),
                 city, bought])
cut = n * 5 // 6
with open(train, "w") as f:
    f.write("# exported from the shop database\n")
    f.write(",".join(cols) + "\n")
    for r in rows[:cut]:
        f.write(",".join(r) + "\n")
with open(new, "w") as f:
    f.write(",".join(cols[:-1]) + "\n")
    for r in rows[cut:]:
        f.write(",".join(r[:-1]) + "\n")
    f.write("C9999,2022-01-01,40,50000,purple,2,Paris\n")
