"""The console's words, Chinese first and English second. A missing key shows itself (the
key in brackets) instead of failing a page; a test holds every template's keys to this
catalogue."""

from __future__ import annotations

LANGUAGES = ("zh", "en")

WORDS: dict[str, tuple[str, str]] = {
    "app": ("12345 热线", "12345 Hotline"),
    "console": ("热线工作台", "Hotline console"),
    "switch_language": ("English", "中文"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "account": ("账号", "Account"),
    "password": ("密码", "Password"),
    "new_password": ("新密码", "New password"),
    "set_password": ("设置密码", "Set password"),
    "password_rule": ("至少 12 个字符", "At least 12 characters"),
    "password_set": ("密码已设置", "Password set"),
    "signed_in_as": ("当前用户", "Signed in as"),
    "refused_csrf": ("表单已过期或来源不明，请刷新页面后重试。",
                     "The form expired or came from elsewhere: reload the page and try again."),
    "not_found": ("没有找到", "Not found"),
    "forbidden": ("无权访问", "Not allowed"),
    "invalid": ("请检查填写内容", "Please check what you entered"),
    "error": ("出错了", "Something went wrong"),
    "back": ("返回", "Back"),
    "home": ("首页", "Home"),
    "desk": ("坐席", "Desk"),
    "wallboard": ("监控大屏", "Wallboard"),
    "recordings": ("录音检索", "Recordings"),
    "unit_portal": ("承办单位", "Unit portal"),
    "reports": ("报表", "Reports"),
    "audit": ("访问审计", "Access audit"),
    "people": ("人员管理", "People"),
    "public_check": ("工单查询", "Check a ticket"),
    "public_outcomes": ("办理结果公开", "Published outcomes"),
    # roles
    "role_agent": ("话务员", "Agent"),
    "role_supervisor": ("班长 / 热线办", "Supervisor / office"),
    "role_unit": ("承办单位", "Unit"),
    "role_auditor": ("审计员", "Auditor"),
    "role_admin": ("管理员", "Administrator"),
    # public page
    "ticket_number": ("工单编号", "Ticket number"),
    "last_four": ("来电号码后四位", "Last four digits of the phone"),
    "check": ("查询", "Check"),
    "public_refused": ("没有找到与该号码相符的工单。",
                       "No ticket matches that number and phone."),
    "public_throttled": ("查询过于频繁，请一分钟后再试。",
                         "Too many checks: try again in a minute."),
    "status": ("状态", "Status"),
    "registered_on": ("受理日期", "Received"),
    "due_on": ("办理期限", "Due"),
    "closed_on": ("办结日期", "Closed"),
    "public_reply": ("答复要点", "Reply"),
    "category": ("类别", "Category"),
    "district": ("区域", "Area"),
    "unit": ("承办单位", "Unit"),
    "evaluation": ("群众评议", "Evaluation"),
    "satisfied": ("满意", "Satisfied"),
    "dissatisfied": ("不满意", "Dissatisfied"),
    "not_called_back": ("未回访", "Not called back"),
    "none_yet": ("暂无", "None yet"),
    # statuses
    "status_registered": ("已登记", "Registered"),
    "status_to_dispatch": ("待派单", "To dispatch"),
    "status_in_progress": ("办理中", "In progress"),
    "status_replied": ("已答复，待审核", "Replied, under review"),
    "status_closed": ("已办结", "Closed"),
    "status_parked": ("已办结（暂缓）", "Closed (on hold)"),
    "status_merged": ("已合并", "Merged"),
    # audit
    "who": ("人员", "Person"),
    "action": ("操作", "Action"),
    "subject": ("对象", "Subject"),
    "detail": ("详情", "Detail"),
    "at": ("时间", "Time"),
    "since": ("起", "From"),
    "until": ("止", "Until"),
    "filter": ("筛选", "Filter"),
    "any": ("全部", "Any"),
    "action_played": ("播放", "Played"),
    "action_downloaded": ("下载", "Downloaded"),
    "action_opened": ("查看", "Opened"),
    "action_searched": ("检索", "Searched"),
    "action_listened": ("监听", "Listened in"),
    "audit_append_only": ("审计记录只增不改，不可删除。",
                          "The audit only grows: nothing in it is changed or deleted."),
    "nothing": ("没有记录", "Nothing here"),
}


def t(key: str, lang: str) -> str:
    pair = WORDS.get(key)
    if pair is None:
        return f"[{key}]"
    return pair[1] if lang == "en" else pair[0]
