"""Domain errors of the console, each with a Chinese and an English message."""

from __future__ import annotations


class ConsoleError(Exception):
    code = "console_error"

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


class LoginFailed(ConsoleError):
    """Unknown user, wrong password or disabled account: one answer for all, so none can be told apart."""

    code = "login_failed"

    def __init__(self) -> None:
        super().__init__("用户名或密码错误", "wrong username or password")


class AccountLocked(ConsoleError):
    code = "account_locked"

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, (retry_after_seconds + 59) // 60)
        super().__init__(
            f"登录失败次数过多，请 {minutes} 分钟后再试",
            f"too many failed log-ins, try again in {minutes} min",
        )
        self.retry_after_seconds = retry_after_seconds


class NotLoggedIn(ConsoleError):
    code = "not_logged_in"

    def __init__(self) -> None:
        super().__init__("请先登录（会话不存在或已过期）", "please log in (no session, or it expired)")


class CsrfRejected(ConsoleError):
    code = "csrf_rejected"

    def __init__(self) -> None:
        super().__init__("页面已过期，请刷新后重试", "the page expired (CSRF check failed), reload and retry")


class NotPermitted(ConsoleError):
    code = "forbidden"

    def __init__(self, action: str) -> None:
        super().__init__("您的角色无权执行此操作", f"your role may not do this ({action})")
        self.action = action


class InvalidAccount(ConsoleError):
    code = "invalid_account"


class AccountExists(ConsoleError):
    code = "account_exists"

    def __init__(self, username: str) -> None:
        super().__init__(f"账号 {username} 已存在", f"account {username} already exists")
