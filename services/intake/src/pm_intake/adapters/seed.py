"""A demo group with a few estates, so a new user can post a complaint right away."""

DEMO_ESTATES = [
    {"_id": "SUNNY", "name": "阳光花园", "name_en": "Sunny Garden", "city": "上海", "timezone": "Asia/Shanghai"},
    {"_id": "JADE", "name": "翠湖苑", "name_en": "Jade Lake Court", "city": "杭州", "timezone": "Asia/Shanghai"},
    {"_id": "JINXIU", "name": "锦绣华庭", "name_en": "Jinxiu Residence", "city": "成都", "timezone": "Asia/Shanghai"},
]
