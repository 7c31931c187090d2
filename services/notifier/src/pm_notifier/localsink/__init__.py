"""The local provider sink: what ``make run`` starts beside the services so a new user sees what the
notifier "sent". One process: a real SMTP server (aiosmtpd) and an HTTP app that accepts the SMS
gateway, WeChat template-message, app-push and pager calls, and a page listing the messages per
recipient (http://127.0.0.1:8025/). Never used in production: settings point at real providers."""
