"""Need-to-know on intake (issue 9): admins do not read personal data, an estate-scoped admin manages
only its estates' integration keys, and out-of-range paging is a 422, not a 500."""

from __future__ import annotations

import pytest

from conftest import Intake

pytestmark = pytest.mark.integration
PERSON = {
    "estate_id": "SUNNY",
    "channel": "phone",
    "content": "楼道灯坏了一周了，晚上很黑",
    "owner": {"name": "张三丰", "phone": "13812341234"},
}


async def test_admin_may_not_reveal_personal_data(intake: Intake) -> None:
    async with intake.client() as client:
        filed = await client.post("/v1/complaints", json=PERSON, headers=intake.staff())
        cid = filed.json()["complaint_id"]
        for estates in (("*",), ("SUNNY",)):
            admin = intake.staff("admin", estates, "admin-1")
            denied = await client.post(f"/v1/complaints/{cid}/reveal", json={"reason": "系统维护需要"}, headers=admin)
            assert denied.status_code == 403, denied.text
            assert denied.json()["error"]["code"] == "forbidden" and "13812341234" not in denied.text
        pm = intake.staff("project_manager", ("SUNNY",), "pm-1")
        shown = await client.post(f"/v1/complaints/{cid}/reveal", json={"reason": "回访业主"}, headers=pm)
        assert shown.status_code == 200 and shown.json()["phone"] == "13812341234"
        trail = (await client.get(f"/v1/complaints/{cid}/audit", headers=pm)).json()
        assert [(e["actor"], e["role"]) for e in trail] == [("pm-1", "project_manager")]  # admin tries left no reveal


async def test_estate_scoped_admin_manages_only_keys_of_its_estates(intake: Intake) -> None:
    group = intake.staff("admin", ("*",), "admin-hq")
    jade = intake.staff("admin", ("JADE",), "admin-jade")
    body = {"name": "呼叫中心", "channels": ["phone"]}
    async with intake.client() as client:
        everywhere = await client.post("/v1/admin/integrations", json={**body, "estates": ["*"]}, headers=group)
        sunny = await client.post("/v1/admin/integrations", json={**body, "estates": ["SUNNY"]}, headers=group)
        assert everywhere.status_code == 201 and sunny.status_code == 201

        for estates in (["*"], ["SUNNY"], ["JADE", "SUNNY"]):
            refused = await client.post("/v1/admin/integrations", json={**body, "estates": estates}, headers=jade)
            assert refused.status_code == 403, (estates, refused.text)
            assert refused.json()["error"]["code"] == "forbidden"
        own = await client.post("/v1/admin/integrations", json={**body, "estates": ["JADE"]}, headers=jade)
        assert own.status_code == 201

        listed = (await client.get("/v1/admin/integrations", headers=jade)).json()
        assert [k["key_id"] for k in listed] == [own.json()["key_id"]]
        assert len((await client.get("/v1/admin/integrations", headers=group)).json()) == 3

        for other in (everywhere, sunny):
            key_id = other.json()["key_id"]
            revoked = await client.post(f"/v1/admin/integrations/{key_id}/revoke", headers=jade)
            assert revoked.status_code == 404 and revoked.json()["error"]["message"] == "未找到该接入密钥或已停用"
        assert (
            await client.post(f"/v1/admin/integrations/{own.json()['key_id']}/revoke", headers=jade)
        ).status_code == 204
    stored = await intake.mongo.collection("api_keys").find_one({"_id": sunny.json()["key_id"]})
    assert stored is not None and stored["revoked_at"] is None  # the JADE admin could not touch it


async def test_out_of_range_ledger_page_is_422_not_500(intake: Intake) -> None:
    async with intake.client(headers=intake.staff()) as client:
        for page in ("9223372036854775807", str(2**70), "501"):
            answer = await client.get("/v1/complaints", params={"page": page, "page_size": "20"})
            assert answer.status_code == 422, (page, answer.text)
            error = answer.json()["error"]
            assert error["code"] == "validation_failed" and error["fields"][0]["field"] == "page"
        last = await client.get("/v1/complaints", params={"page": "500", "page_size": "20"})  # rows 9,980-9,999
        assert last.status_code == 200 and last.json()["items"] == []


async def test_owners_free_text_is_clear_only_for_the_roles_that_may_reveal(intake: Intake) -> None:
    text = "我叫王芳，电话13812345678，身份证110101199003071234，3号楼楼道灯坏了"
    async with intake.client() as client:
        filed = await client.post("/v1/complaints", json={**PERSON, "content": text}, headers=intake.staff())
        cid = filed.json()["complaint_id"]
        desk = (await client.get(f"/v1/complaints/{cid}", headers=intake.staff())).json()
        assert desk["registration"]["content"] == text
        for role in ("handler", "leadership"):
            staff = intake.staff(role, ("SUNNY",), f"{role}-1")
            item = await client.get(f"/v1/complaints/{cid}", headers=staff)
            ledger = await client.get("/v1/complaints", params={"estate_id": "SUNNY"}, headers=staff)
            assert item.status_code == 200 and ledger.status_code == 200
            for body in (item.text, ledger.text):
                assert "13812345678" not in body and "110101199003071234" not in body and "王芳" not in body
            assert "138****5678" in item.json()["registration"]["content"]
        for role in ("contractor", "integration", "admin"):
            refused = await client.get(f"/v1/complaints/{cid}", headers=intake.staff(role, ("SUNNY",), f"{role}-1"))
            assert refused.status_code == 403 and "13812345678" not in refused.text
