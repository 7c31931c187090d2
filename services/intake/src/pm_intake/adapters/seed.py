"""A demo group with a few estates, so a new user can post a complaint right away; in dev also a demo
integration key (printed in docs/intake.md) so the CTI / WeChat examples work without an admin."""

DEMO_ESTATES = [
    {"_id": "SUNNY", "name": "阳光花园", "name_en": "Sunny Garden", "city": "上海", "timezone": "Asia/Shanghai"},
    {"_id": "JADE", "name": "翠湖苑", "name_en": "Jade Lake Court", "city": "杭州", "timezone": "Asia/Shanghai"},
    {"_id": "JINXIU", "name": "锦绣华庭", "name_en": "Jinxiu Residence", "city": "成都", "timezone": "Asia/Shanghai"},
]

# Only seeded when PM_ENV=dev: "ik_demo.dev-demo-key-not-for-production"
DEMO_KEY_ID = "ik_demo"
DEMO_KEY_SECRET = "dev-demo-key-not-for-production"
DEMO_KEY_CHANNELS = ["phone", "wechat", "app", "anonymous", "open311"]
