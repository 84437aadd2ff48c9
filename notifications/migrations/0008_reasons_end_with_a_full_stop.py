"""A reason in a message ends with its own full stop: it ran into the next
sentence (“说明：需补充收入证明材料当前阶段：…”). Stored templates that still
hold an earlier default get the new one; edited ones are left alone.

The texts are written out here, not computed from notifications.defaults:
a migration must mean the same thing whenever it runs, and the earlier
defaults (before and after 最迟 replaced 前 in the deadline line) are
matched both."""

from django.db import migrations

# (key, channel, language) -> (subject, body_text, body_html)
NEW = {('hold', 'email', 'en'): ('Your mortgage application {{ case_number }} has been put on hold',
                           'Dear {{ borrower_name }},\n'
                           '\n'
                           'Your mortgage application (number {{ case_number }}) has been put on hold.\n'
                           'Reason: {{ reason }}.\n'
                           'Current stage: {{ stage }}\n'
                           'What happens next: {{ next_step }}\n'
                           '{% if expected_date %}Expected by {{ expected_date }}.{% endif %}\n'
                           'Follow your application and confirm that you received this message:\n'
                           '{{ status_url }}\n'
                           '\n'
                           'Questions? Call {{ branch_name }} on {{ hotline }}{% if hotline_hours %} ({{ hotline_hours '
                           '}}){% endif %}.\n',
                           '<div style="font-family:sans-serif;max-width:560px"><p>Dear {{ borrower_name '
                           '}},</p><p>Your mortgage application (number {{ case_number }}) <strong>has been put on '
                           'hold</strong>.</p><p>Reason: {{ reason }}.</p><p>Current stage: {{ stage }}<br>What '
                           'happens next: {{ next_step }}{% if expected_date %}<br>Expected by {{ expected_date }}.{% '
                           'endif %}</p><p><a href="{{ status_url }}">Follow your application and confirm '
                           'receipt</a></p><p>Questions? Call {{ branch_name }} on {{ hotline }}{% if hotline_hours %} '
                           '({{ hotline_hours }}){% endif %}.</p></div>'),
 ('hold', 'email', 'zh-hans'): ('您的房贷申请{{ case_number }}暂缓办理',
                                '{{ borrower_name }}您好：\n'
                                '\n'
                                '您的房贷申请（编号 {{ case_number }}）暂缓办理。\n'
                                '原因：{{ reason }}。\n'
                                '当前阶段：{{ stage }}\n'
                                '下一步：{{ next_step }}\n'
                                '{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}\n'
                                '请打开以下链接查看进度，并点击“我已收到”确认：\n'
                                '{{ status_url }}\n'
                                '\n'
                                '如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% '
                                'endif %}\n',
                                '<div style="font-family:sans-serif;max-width:560px"><p>{{ borrower_name '
                                '}}您好：</p><p>您的房贷申请（编号 {{ case_number }}）<strong>暂缓办理</strong>。</p><p>原因：{{ reason '
                                '}}。</p><p>当前阶段：{{ stage }}<br>下一步：{{ next_step }}{% if expected_date %}<br>预计最迟{{ '
                                'expected_date }}完成本阶段。{% endif %}</p><p><a href="{{ status_url '
                                '}}">查看进度并确认收到</a></p><p>如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours '
                                '%}（{{ hotline_hours }}）{% endif %}</p></div>'),
 ('hold', 'sms', 'en'): ('',
                         'Dear {{ borrower_name }}, your mortgage application {{ case_number }} has been put on hold. '
                         'Reason: {{ reason }}. Stage: {{ stage }}. {{ next_step }}{% if expected_date %} Expected by '
                         '{{ expected_date }}.{% endif %} Details and confirm receipt: {{ status_url }} Questions: {{ '
                         'hotline }}',
                         ''),
 ('hold', 'sms', 'zh-hans'): ('',
                              '【房贷进度】{{ borrower_name }}您好，您的房贷申请{{ case_number }}暂缓办理。原因：{{ reason }}。当前阶段：{{ stage '
                              '}}。{{ next_step }}{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif '
                              '%}查看进度并确认收到：{{ status_url }} 咨询：{{ hotline }}',
                              ''),
 ('hold', 'status_page', 'en'): ('Your application has been put on hold',
                                 'Reason: {{ reason }}. Stage: {{ stage }}. {{ next_step }}{% if expected_date %} '
                                 'Expected by {{ expected_date }}.{% endif %}',
                                 ''),
 ('hold', 'status_page', 'zh-hans'): ('申请暂缓办理',
                                      '原因：{{ reason }}。当前阶段：{{ stage }}。{{ next_step }}{% if expected_date %}预计最迟{{ '
                                      'expected_date }}完成本阶段。{% endif %}',
                                      ''),
 ('reject', 'email', 'en'): ('Your mortgage application {{ case_number }} was not approved',
                             'Dear {{ borrower_name }},\n'
                             '\n'
                             'Your mortgage application (number {{ case_number }}) was not approved.\n'
                             'Reason: {{ reason }}.\n'
                             'Current stage: {{ stage }}\n'
                             'What happens next: {{ next_step }}\n'
                             '{% if expected_date %}Expected by {{ expected_date }}.{% endif %}\n'
                             'Follow your application and confirm that you received this message:\n'
                             '{{ status_url }}\n'
                             '\n'
                             'Questions? Call {{ branch_name }} on {{ hotline }}{% if hotline_hours %} ({{ '
                             'hotline_hours }}){% endif %}.\n',
                             '<div style="font-family:sans-serif;max-width:560px"><p>Dear {{ borrower_name '
                             '}},</p><p>Your mortgage application (number {{ case_number }}) <strong>was not '
                             'approved</strong>.</p><p>Reason: {{ reason }}.</p><p>Current stage: {{ stage }}<br>What '
                             'happens next: {{ next_step }}{% if expected_date %}<br>Expected by {{ expected_date '
                             '}}.{% endif %}</p><p><a href="{{ status_url }}">Follow your application and confirm '
                             'receipt</a></p><p>Questions? Call {{ branch_name }} on {{ hotline }}{% if hotline_hours '
                             '%} ({{ hotline_hours }}){% endif %}.</p></div>'),
 ('reject', 'email', 'zh-hans'): ('您的房贷申请{{ case_number }}未能通过审批',
                                  '{{ borrower_name }}您好：\n'
                                  '\n'
                                  '您的房贷申请（编号 {{ case_number }}）未能通过审批。\n'
                                  '原因：{{ reason }}。\n'
                                  '当前阶段：{{ stage }}\n'
                                  '下一步：{{ next_step }}\n'
                                  '{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}\n'
                                  '请打开以下链接查看进度，并点击“我已收到”确认：\n'
                                  '{{ status_url }}\n'
                                  '\n'
                                  '如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours '
                                  '}}）{% endif %}\n',
                                  '<div style="font-family:sans-serif;max-width:560px"><p>{{ borrower_name '
                                  '}}您好：</p><p>您的房贷申请（编号 {{ case_number }}）<strong>未能通过审批</strong>。</p><p>原因：{{ reason '
                                  '}}。</p><p>当前阶段：{{ stage }}<br>下一步：{{ next_step }}{% if expected_date %}<br>预计最迟{{ '
                                  'expected_date }}完成本阶段。{% endif %}</p><p><a href="{{ status_url '
                                  '}}">查看进度并确认收到</a></p><p>如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours '
                                  '%}（{{ hotline_hours }}）{% endif %}</p></div>'),
 ('reject', 'phone', 'en'): ('',
                             'Call {{ borrower_name }}: application {{ case_number }} was not approved. Reason: {{ '
                             'reason }}. Explain what happens next: {{ next_step }}; mention the status page.',
                             ''),
 ('reject', 'phone', 'zh-hans'): ('',
                                  '请致电借款人{{ borrower_name }}，告知申请{{ case_number }}未能通过审批。原因：{{ reason }}。说明下一步：{{ '
                                  'next_step }}，并告知可通过状态页查看进度。',
                                  ''),
 ('reject', 'sms', 'en'): ('',
                           'Dear {{ borrower_name }}, your mortgage application {{ case_number }} was not approved. '
                           'Reason: {{ reason }}. Stage: {{ stage }}. {{ next_step }}{% if expected_date %} Expected '
                           'by {{ expected_date }}.{% endif %} Details and confirm receipt: {{ status_url }} '
                           'Questions: {{ hotline }}',
                           ''),
 ('reject', 'sms', 'zh-hans'): ('',
                                '【房贷进度】{{ borrower_name }}您好，您的房贷申请{{ case_number }}未能通过审批。原因：{{ reason }}。当前阶段：{{ '
                                'stage }}。{{ next_step }}{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif '
                                '%}查看进度并确认收到：{{ status_url }} 咨询：{{ hotline }}',
                                ''),
 ('reject', 'status_page', 'en'): ('Your application was not approved',
                                   'Reason: {{ reason }}. Stage: {{ stage }}. {{ next_step }}{% if expected_date %} '
                                   'Expected by {{ expected_date }}.{% endif %}',
                                   ''),
 ('reject', 'status_page', 'zh-hans'): ('申请未能通过审批',
                                        '原因：{{ reason }}。当前阶段：{{ stage }}。{{ next_step }}{% if expected_date %}预计最迟{{ '
                                        'expected_date }}完成本阶段。{% endif %}',
                                        ''),
 ('request_documents', 'email', 'en'): ('Your mortgage application {{ case_number }} needs more documents',
                                        'Dear {{ borrower_name }},\n'
                                        '\n'
                                        'Your mortgage application (number {{ case_number }}) needs more documents.\n'
                                        'Please provide: {{ documents }}.{% if reason %} Note: {{ reason }}.{% endif '
                                        '%}\n'
                                        'Current stage: {{ stage }}\n'
                                        'What happens next: {{ next_step }}\n'
                                        '{% if expected_date %}Expected by {{ expected_date }}.{% endif %}\n'
                                        'Follow your application and confirm that you received this message:\n'
                                        '{{ status_url }}\n'
                                        '\n'
                                        'Questions? Call {{ branch_name }} on {{ hotline }}{% if hotline_hours %} ({{ '
                                        'hotline_hours }}){% endif %}.\n',
                                        '<div style="font-family:sans-serif;max-width:560px"><p>Dear {{ borrower_name '
                                        '}},</p><p>Your mortgage application (number {{ case_number }}) <strong>needs '
                                        'more documents</strong>.</p><p>Please provide: {{ documents }}.{% if reason '
                                        '%} Note: {{ reason }}.{% endif %}</p><p>Current stage: {{ stage }}<br>What '
                                        'happens next: {{ next_step }}{% if expected_date %}<br>Expected by {{ '
                                        'expected_date }}.{% endif %}</p><p><a href="{{ status_url }}">Follow your '
                                        'application and confirm receipt</a></p><p>Questions? Call {{ branch_name }} '
                                        'on {{ hotline }}{% if hotline_hours %} ({{ hotline_hours }}){% endif '
                                        '%}.</p></div>'),
 ('request_documents', 'email', 'zh-hans'): ('您的房贷申请{{ case_number }}需要补充材料',
                                             '{{ borrower_name }}您好：\n'
                                             '\n'
                                             '您的房贷申请（编号 {{ case_number }}）需要补充材料。\n'
                                             '请补充：{{ documents }}。{% if reason %}说明：{{ reason }}。{% endif %}\n'
                                             '当前阶段：{{ stage }}\n'
                                             '下一步：{{ next_step }}\n'
                                             '{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}\n'
                                             '请打开以下链接查看进度，并点击“我已收到”确认：\n'
                                             '{{ status_url }}\n'
                                             '\n'
                                             '如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ '
                                             'hotline_hours }}）{% endif %}\n',
                                             '<div style="font-family:sans-serif;max-width:560px"><p>{{ borrower_name '
                                             '}}您好：</p><p>您的房贷申请（编号 {{ case_number '
                                             '}}）<strong>需要补充材料</strong>。</p><p>请补充：{{ documents }}。{% if reason '
                                             '%}说明：{{ reason }}。{% endif %}</p><p>当前阶段：{{ stage }}<br>下一步：{{ next_step '
                                             '}}{% if expected_date %}<br>预计最迟{{ expected_date }}完成本阶段。{% endif '
                                             '%}</p><p><a href="{{ status_url }}">查看进度并确认收到</a></p><p>如有疑问，请致电{{ '
                                             'branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours '
                                             '}}）{% endif %}</p></div>'),
 ('request_documents', 'sms', 'en'): ('',
                                      'Dear {{ borrower_name }}, your mortgage application {{ case_number }} needs '
                                      'more documents. Please provide: {{ documents }}.{% if reason %} Note: {{ reason '
                                      '}}.{% endif %} Stage: {{ stage }}. {{ next_step }}{% if expected_date %} '
                                      'Expected by {{ expected_date }}.{% endif %} Details and confirm receipt: {{ '
                                      'status_url }} Questions: {{ hotline }}',
                                      ''),
 ('request_documents', 'sms', 'zh-hans'): ('',
                                           '【房贷进度】{{ borrower_name }}您好，您的房贷申请{{ case_number }}需要补充材料。请补充：{{ documents '
                                           '}}。{% if reason %}说明：{{ reason }}。{% endif %}当前阶段：{{ stage }}。{{ next_step '
                                           '}}{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif '
                                           '%}查看进度并确认收到：{{ status_url }} 咨询：{{ hotline }}',
                                           ''),
 ('request_documents', 'status_page', 'en'): ('Your application needs more documents',
                                              'Please provide: {{ documents }}.{% if reason %} Note: {{ reason }}.{% '
                                              'endif %} Stage: {{ stage }}. {{ next_step }}{% if expected_date %} '
                                              'Expected by {{ expected_date }}.{% endif %}',
                                              ''),
 ('request_documents', 'status_page', 'zh-hans'): ('申请需要补充材料',
                                                   '请补充：{{ documents }}。{% if reason %}说明：{{ reason }}。{% endif '
                                                   '%}当前阶段：{{ stage }}。{{ next_step }}{% if expected_date %}预计最迟{{ '
                                                   'expected_date }}完成本阶段。{% endif %}',
                                                   ''),
 ('withdraw', 'email', 'en'): ('Your mortgage application {{ case_number }} has been withdrawn',
                               'Dear {{ borrower_name }},\n'
                               '\n'
                               'Your mortgage application (number {{ case_number }}) has been withdrawn.\n'
                               '{% if reason %}Reason: {{ reason }}.{% endif %}\n'
                               'Current stage: {{ stage }}\n'
                               'What happens next: {{ next_step }}\n'
                               '{% if expected_date %}Expected by {{ expected_date }}.{% endif %}\n'
                               'Follow your application and confirm that you received this message:\n'
                               '{{ status_url }}\n'
                               '\n'
                               'Questions? Call {{ branch_name }} on {{ hotline }}{% if hotline_hours %} ({{ '
                               'hotline_hours }}){% endif %}.\n',
                               '<div style="font-family:sans-serif;max-width:560px"><p>Dear {{ borrower_name '
                               '}},</p><p>Your mortgage application (number {{ case_number }}) <strong>has been '
                               'withdrawn</strong>.</p><p>{% if reason %}Reason: {{ reason }}.{% endif '
                               '%}</p><p>Current stage: {{ stage }}<br>What happens next: {{ next_step }}{% if '
                               'expected_date %}<br>Expected by {{ expected_date }}.{% endif %}</p><p><a href="{{ '
                               'status_url }}">Follow your application and confirm receipt</a></p><p>Questions? Call '
                               '{{ branch_name }} on {{ hotline }}{% if hotline_hours %} ({{ hotline_hours }}){% endif '
                               '%}.</p></div>'),
 ('withdraw', 'email', 'zh-hans'): ('您的房贷申请{{ case_number }}已撤回',
                                    '{{ borrower_name }}您好：\n'
                                    '\n'
                                    '您的房贷申请（编号 {{ case_number }}）已撤回。\n'
                                    '{% if reason %}原因：{{ reason }}。{% endif %}\n'
                                    '当前阶段：{{ stage }}\n'
                                    '下一步：{{ next_step }}\n'
                                    '{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}\n'
                                    '请打开以下链接查看进度，并点击“我已收到”确认：\n'
                                    '{{ status_url }}\n'
                                    '\n'
                                    '如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours '
                                    '}}）{% endif %}\n',
                                    '<div style="font-family:sans-serif;max-width:560px"><p>{{ borrower_name '
                                    '}}您好：</p><p>您的房贷申请（编号 {{ case_number }}）<strong>已撤回</strong>。</p><p>{% if reason '
                                    '%}原因：{{ reason }}。{% endif %}</p><p>当前阶段：{{ stage }}<br>下一步：{{ next_step }}{% if '
                                    'expected_date %}<br>预计最迟{{ expected_date }}完成本阶段。{% endif %}</p><p><a href="{{ '
                                    'status_url }}">查看进度并确认收到</a></p><p>如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if '
                                    'hotline_hours %}（{{ hotline_hours }}）{% endif %}</p></div>'),
 ('withdraw', 'sms', 'en'): ('',
                             'Dear {{ borrower_name }}, your mortgage application {{ case_number }} has been '
                             'withdrawn. {% if reason %}Reason: {{ reason }}.{% endif %} Stage: {{ stage }}. {{ '
                             'next_step }}{% if expected_date %} Expected by {{ expected_date }}.{% endif %} Details '
                             'and confirm receipt: {{ status_url }} Questions: {{ hotline }}',
                             ''),
 ('withdraw', 'sms', 'zh-hans'): ('',
                                  '【房贷进度】{{ borrower_name }}您好，您的房贷申请{{ case_number }}已撤回。{% if reason %}原因：{{ reason '
                                  '}}。{% endif %}当前阶段：{{ stage }}。{{ next_step }}{% if expected_date %}预计最迟{{ '
                                  'expected_date }}完成本阶段。{% endif %}查看进度并确认收到：{{ status_url }} 咨询：{{ hotline }}',
                                  ''),
 ('withdraw', 'status_page', 'en'): ('Your application has been withdrawn',
                                     '{% if reason %}Reason: {{ reason }}.{% endif %} Stage: {{ stage }}. {{ next_step '
                                     '}}{% if expected_date %} Expected by {{ expected_date }}.{% endif %}',
                                     ''),
 ('withdraw', 'status_page', 'zh-hans'): ('申请已撤回',
                                          '{% if reason %}原因：{{ reason }}。{% endif %}当前阶段：{{ stage }}。{{ next_step '
                                          '}}{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}',
                                          '')}

# Earlier defaults: (key, channel, language), subject, body_text, body_html
PREVIOUS = [(('hold', 'email', 'en'),
  'Your mortgage application {{ case_number }} has been put on hold',
  'Dear {{ borrower_name }},\n'
  '\n'
  'Your mortgage application (number {{ case_number }}) has been put on hold.\n'
  'Reason: {{ reason }}\n'
  'Current stage: {{ stage }}\n'
  'What happens next: {{ next_step }}\n'
  '{% if expected_date %}Expected by {{ expected_date }}.{% endif %}\n'
  'Follow your application and confirm that you received this message:\n'
  '{{ status_url }}\n'
  '\n'
  'Questions? Call {{ branch_name }} on {{ hotline }}{% if hotline_hours %} ({{ hotline_hours }}){% endif %}.\n',
  '<div style="font-family:sans-serif;max-width:560px"><p>Dear {{ borrower_name }},</p><p>Your mortgage application '
  '(number {{ case_number }}) <strong>has been put on hold</strong>.</p><p>Reason: {{ reason }}</p><p>Current stage: '
  '{{ stage }}<br>What happens next: {{ next_step }}{% if expected_date %}<br>Expected by {{ expected_date }}.{% endif '
  '%}</p><p><a href="{{ status_url }}">Follow your application and confirm receipt</a></p><p>Questions? Call {{ '
  'branch_name }} on {{ hotline }}{% if hotline_hours %} ({{ hotline_hours }}){% endif %}.</p></div>'),
 (('hold', 'email', 'zh-hans'),
  '您的房贷申请{{ case_number }}暂缓办理',
  '{{ borrower_name }}您好：\n'
  '\n'
  '您的房贷申请（编号 {{ case_number }}）暂缓办理。\n'
  '原因：{{ reason }}\n'
  '当前阶段：{{ stage }}\n'
  '下一步：{{ next_step }}\n'
  '{% if expected_date %}预计{{ expected_date }}前完成本阶段。{% endif %}\n'
  '请打开以下链接查看进度，并点击“我已收到”确认：\n'
  '{{ status_url }}\n'
  '\n'
  '如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}\n',
  '<div style="font-family:sans-serif;max-width:560px"><p>{{ borrower_name }}您好：</p><p>您的房贷申请（编号 {{ case_number '
  '}}）<strong>暂缓办理</strong>。</p><p>原因：{{ reason }}</p><p>当前阶段：{{ stage }}<br>下一步：{{ next_step }}{% if expected_date '
  '%}<br>预计{{ expected_date }}前完成本阶段。{% endif %}</p><p><a href="{{ status_url }}">查看进度并确认收到</a></p><p>如有疑问，请致电{{ '
  'branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}</p></div>'),
 (('hold', 'email', 'zh-hans'),
  '您的房贷申请{{ case_number }}暂缓办理',
  '{{ borrower_name }}您好：\n'
  '\n'
  '您的房贷申请（编号 {{ case_number }}）暂缓办理。\n'
  '原因：{{ reason }}\n'
  '当前阶段：{{ stage }}\n'
  '下一步：{{ next_step }}\n'
  '{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}\n'
  '请打开以下链接查看进度，并点击“我已收到”确认：\n'
  '{{ status_url }}\n'
  '\n'
  '如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}\n',
  '<div style="font-family:sans-serif;max-width:560px"><p>{{ borrower_name }}您好：</p><p>您的房贷申请（编号 {{ case_number '
  '}}）<strong>暂缓办理</strong>。</p><p>原因：{{ reason }}</p><p>当前阶段：{{ stage }}<br>下一步：{{ next_step }}{% if expected_date '
  '%}<br>预计最迟{{ expected_date }}完成本阶段。{% endif %}</p><p><a href="{{ status_url }}">查看进度并确认收到</a></p><p>如有疑问，请致电{{ '
  'branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}</p></div>'),
 (('hold', 'sms', 'en'),
  '',
  'Dear {{ borrower_name }}, your mortgage application {{ case_number }} has been put on hold. Reason: {{ reason }} '
  'Stage: {{ stage }}. {{ next_step }}{% if expected_date %} Expected by {{ expected_date }}.{% endif %} Details and '
  'confirm receipt: {{ status_url }} Questions: {{ hotline }}',
  ''),
 (('hold', 'sms', 'zh-hans'),
  '',
  '【房贷进度】{{ borrower_name }}您好，您的房贷申请{{ case_number }}暂缓办理。原因：{{ reason }}当前阶段：{{ stage }}。{{ next_step }}{% if '
  'expected_date %}预计{{ expected_date }}前完成本阶段。{% endif %}查看进度并确认收到：{{ status_url }} 咨询：{{ hotline }}',
  ''),
 (('hold', 'sms', 'zh-hans'),
  '',
  '【房贷进度】{{ borrower_name }}您好，您的房贷申请{{ case_number }}暂缓办理。原因：{{ reason }}当前阶段：{{ stage }}。{{ next_step }}{% if '
  'expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}查看进度并确认收到：{{ status_url }} 咨询：{{ hotline }}',
  ''),
 (('hold', 'status_page', 'en'),
  'Your application has been put on hold',
  'Reason: {{ reason }} Stage: {{ stage }}. {{ next_step }}{% if expected_date %} Expected by {{ expected_date }}.{% '
  'endif %}',
  ''),
 (('hold', 'status_page', 'zh-hans'),
  '申请暂缓办理',
  '原因：{{ reason }}当前阶段：{{ stage }}。{{ next_step }}{% if expected_date %}预计{{ expected_date }}前完成本阶段。{% endif %}',
  ''),
 (('hold', 'status_page', 'zh-hans'),
  '申请暂缓办理',
  '原因：{{ reason }}当前阶段：{{ stage }}。{{ next_step }}{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}',
  ''),
 (('reject', 'email', 'en'),
  'Your mortgage application {{ case_number }} was not approved',
  'Dear {{ borrower_name }},\n'
  '\n'
  'Your mortgage application (number {{ case_number }}) was not approved.\n'
  'Reason: {{ reason }}\n'
  'Current stage: {{ stage }}\n'
  'What happens next: {{ next_step }}\n'
  '{% if expected_date %}Expected by {{ expected_date }}.{% endif %}\n'
  'Follow your application and confirm that you received this message:\n'
  '{{ status_url }}\n'
  '\n'
  'Questions? Call {{ branch_name }} on {{ hotline }}{% if hotline_hours %} ({{ hotline_hours }}){% endif %}.\n',
  '<div style="font-family:sans-serif;max-width:560px"><p>Dear {{ borrower_name }},</p><p>Your mortgage application '
  '(number {{ case_number }}) <strong>was not approved</strong>.</p><p>Reason: {{ reason }}</p><p>Current stage: {{ '
  'stage }}<br>What happens next: {{ next_step }}{% if expected_date %}<br>Expected by {{ expected_date }}.{% endif '
  '%}</p><p><a href="{{ status_url }}">Follow your application and confirm receipt</a></p><p>Questions? Call {{ '
  'branch_name }} on {{ hotline }}{% if hotline_hours %} ({{ hotline_hours }}){% endif %}.</p></div>'),
 (('reject', 'email', 'zh-hans'),
  '您的房贷申请{{ case_number }}未能通过审批',
  '{{ borrower_name }}您好：\n'
  '\n'
  '您的房贷申请（编号 {{ case_number }}）未能通过审批。\n'
  '原因：{{ reason }}\n'
  '当前阶段：{{ stage }}\n'
  '下一步：{{ next_step }}\n'
  '{% if expected_date %}预计{{ expected_date }}前完成本阶段。{% endif %}\n'
  '请打开以下链接查看进度，并点击“我已收到”确认：\n'
  '{{ status_url }}\n'
  '\n'
  '如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}\n',
  '<div style="font-family:sans-serif;max-width:560px"><p>{{ borrower_name }}您好：</p><p>您的房贷申请（编号 {{ case_number '
  '}}）<strong>未能通过审批</strong>。</p><p>原因：{{ reason }}</p><p>当前阶段：{{ stage }}<br>下一步：{{ next_step }}{% if expected_date '
  '%}<br>预计{{ expected_date }}前完成本阶段。{% endif %}</p><p><a href="{{ status_url }}">查看进度并确认收到</a></p><p>如有疑问，请致电{{ '
  'branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}</p></div>'),
 (('reject', 'email', 'zh-hans'),
  '您的房贷申请{{ case_number }}未能通过审批',
  '{{ borrower_name }}您好：\n'
  '\n'
  '您的房贷申请（编号 {{ case_number }}）未能通过审批。\n'
  '原因：{{ reason }}\n'
  '当前阶段：{{ stage }}\n'
  '下一步：{{ next_step }}\n'
  '{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}\n'
  '请打开以下链接查看进度，并点击“我已收到”确认：\n'
  '{{ status_url }}\n'
  '\n'
  '如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}\n',
  '<div style="font-family:sans-serif;max-width:560px"><p>{{ borrower_name }}您好：</p><p>您的房贷申请（编号 {{ case_number '
  '}}）<strong>未能通过审批</strong>。</p><p>原因：{{ reason }}</p><p>当前阶段：{{ stage }}<br>下一步：{{ next_step }}{% if expected_date '
  '%}<br>预计最迟{{ expected_date }}完成本阶段。{% endif %}</p><p><a href="{{ status_url }}">查看进度并确认收到</a></p><p>如有疑问，请致电{{ '
  'branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}</p></div>'),
 (('reject', 'phone', 'en'),
  '',
  'Call {{ borrower_name }}: application {{ case_number }} was not approved. Reason: {{ reason }} Explain what happens '
  'next: {{ next_step }}; mention the status page.',
  ''),
 (('reject', 'phone', 'zh-hans'),
  '',
  '请致电借款人{{ borrower_name }}，告知申请{{ case_number }}未能通过审批。原因：{{ reason }}说明下一步：{{ next_step }}，并告知可通过状态页查看进度。',
  ''),
 (('reject', 'sms', 'en'),
  '',
  'Dear {{ borrower_name }}, your mortgage application {{ case_number }} was not approved. Reason: {{ reason }} Stage: '
  '{{ stage }}. {{ next_step }}{% if expected_date %} Expected by {{ expected_date }}.{% endif %} Details and confirm '
  'receipt: {{ status_url }} Questions: {{ hotline }}',
  ''),
 (('reject', 'sms', 'zh-hans'),
  '',
  '【房贷进度】{{ borrower_name }}您好，您的房贷申请{{ case_number }}未能通过审批。原因：{{ reason }}当前阶段：{{ stage }}。{{ next_step }}{% if '
  'expected_date %}预计{{ expected_date }}前完成本阶段。{% endif %}查看进度并确认收到：{{ status_url }} 咨询：{{ hotline }}',
  ''),
 (('reject', 'sms', 'zh-hans'),
  '',
  '【房贷进度】{{ borrower_name }}您好，您的房贷申请{{ case_number }}未能通过审批。原因：{{ reason }}当前阶段：{{ stage }}。{{ next_step }}{% if '
  'expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}查看进度并确认收到：{{ status_url }} 咨询：{{ hotline }}',
  ''),
 (('reject', 'status_page', 'en'),
  'Your application was not approved',
  'Reason: {{ reason }} Stage: {{ stage }}. {{ next_step }}{% if expected_date %} Expected by {{ expected_date }}.{% '
  'endif %}',
  ''),
 (('reject', 'status_page', 'zh-hans'),
  '申请未能通过审批',
  '原因：{{ reason }}当前阶段：{{ stage }}。{{ next_step }}{% if expected_date %}预计{{ expected_date }}前完成本阶段。{% endif %}',
  ''),
 (('reject', 'status_page', 'zh-hans'),
  '申请未能通过审批',
  '原因：{{ reason }}当前阶段：{{ stage }}。{{ next_step }}{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}',
  ''),
 (('request_documents', 'email', 'en'),
  'Your mortgage application {{ case_number }} needs more documents',
  'Dear {{ borrower_name }},\n'
  '\n'
  'Your mortgage application (number {{ case_number }}) needs more documents.\n'
  'Please provide: {{ documents }}.{% if reason %} Note: {{ reason }}{% endif %}\n'
  'Current stage: {{ stage }}\n'
  'What happens next: {{ next_step }}\n'
  '{% if expected_date %}Expected by {{ expected_date }}.{% endif %}\n'
  'Follow your application and confirm that you received this message:\n'
  '{{ status_url }}\n'
  '\n'
  'Questions? Call {{ branch_name }} on {{ hotline }}{% if hotline_hours %} ({{ hotline_hours }}){% endif %}.\n',
  '<div style="font-family:sans-serif;max-width:560px"><p>Dear {{ borrower_name }},</p><p>Your mortgage application '
  '(number {{ case_number }}) <strong>needs more documents</strong>.</p><p>Please provide: {{ documents }}.{% if '
  'reason %} Note: {{ reason }}{% endif %}</p><p>Current stage: {{ stage }}<br>What happens next: {{ next_step }}{% if '
  'expected_date %}<br>Expected by {{ expected_date }}.{% endif %}</p><p><a href="{{ status_url }}">Follow your '
  'application and confirm receipt</a></p><p>Questions? Call {{ branch_name }} on {{ hotline }}{% if hotline_hours %} '
  '({{ hotline_hours }}){% endif %}.</p></div>'),
 (('request_documents', 'email', 'zh-hans'),
  '您的房贷申请{{ case_number }}需要补充材料',
  '{{ borrower_name }}您好：\n'
  '\n'
  '您的房贷申请（编号 {{ case_number }}）需要补充材料。\n'
  '请补充：{{ documents }}。{% if reason %}说明：{{ reason }}{% endif %}\n'
  '当前阶段：{{ stage }}\n'
  '下一步：{{ next_step }}\n'
  '{% if expected_date %}预计{{ expected_date }}前完成本阶段。{% endif %}\n'
  '请打开以下链接查看进度，并点击“我已收到”确认：\n'
  '{{ status_url }}\n'
  '\n'
  '如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}\n',
  '<div style="font-family:sans-serif;max-width:560px"><p>{{ borrower_name }}您好：</p><p>您的房贷申请（编号 {{ case_number '
  '}}）<strong>需要补充材料</strong>。</p><p>请补充：{{ documents }}。{% if reason %}说明：{{ reason }}{% endif %}</p><p>当前阶段：{{ stage '
  '}}<br>下一步：{{ next_step }}{% if expected_date %}<br>预计{{ expected_date }}前完成本阶段。{% endif %}</p><p><a href="{{ '
  'status_url }}">查看进度并确认收到</a></p><p>如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours '
  '}}）{% endif %}</p></div>'),
 (('request_documents', 'email', 'zh-hans'),
  '您的房贷申请{{ case_number }}需要补充材料',
  '{{ borrower_name }}您好：\n'
  '\n'
  '您的房贷申请（编号 {{ case_number }}）需要补充材料。\n'
  '请补充：{{ documents }}。{% if reason %}说明：{{ reason }}{% endif %}\n'
  '当前阶段：{{ stage }}\n'
  '下一步：{{ next_step }}\n'
  '{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}\n'
  '请打开以下链接查看进度，并点击“我已收到”确认：\n'
  '{{ status_url }}\n'
  '\n'
  '如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}\n',
  '<div style="font-family:sans-serif;max-width:560px"><p>{{ borrower_name }}您好：</p><p>您的房贷申请（编号 {{ case_number '
  '}}）<strong>需要补充材料</strong>。</p><p>请补充：{{ documents }}。{% if reason %}说明：{{ reason }}{% endif %}</p><p>当前阶段：{{ stage '
  '}}<br>下一步：{{ next_step }}{% if expected_date %}<br>预计最迟{{ expected_date }}完成本阶段。{% endif %}</p><p><a href="{{ '
  'status_url }}">查看进度并确认收到</a></p><p>如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours '
  '}}）{% endif %}</p></div>'),
 (('request_documents', 'sms', 'en'),
  '',
  'Dear {{ borrower_name }}, your mortgage application {{ case_number }} needs more documents. Please provide: {{ '
  'documents }}.{% if reason %} Note: {{ reason }}{% endif %} Stage: {{ stage }}. {{ next_step }}{% if expected_date '
  '%} Expected by {{ expected_date }}.{% endif %} Details and confirm receipt: {{ status_url }} Questions: {{ hotline '
  '}}',
  ''),
 (('request_documents', 'sms', 'zh-hans'),
  '',
  '【房贷进度】{{ borrower_name }}您好，您的房贷申请{{ case_number }}需要补充材料。请补充：{{ documents }}。{% if reason %}说明：{{ reason }}{% '
  'endif %}当前阶段：{{ stage }}。{{ next_step }}{% if expected_date %}预计{{ expected_date }}前完成本阶段。{% endif %}查看进度并确认收到：{{ '
  'status_url }} 咨询：{{ hotline }}',
  ''),
 (('request_documents', 'sms', 'zh-hans'),
  '',
  '【房贷进度】{{ borrower_name }}您好，您的房贷申请{{ case_number }}需要补充材料。请补充：{{ documents }}。{% if reason %}说明：{{ reason }}{% '
  'endif %}当前阶段：{{ stage }}。{{ next_step }}{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}查看进度并确认收到：{{ '
  'status_url }} 咨询：{{ hotline }}',
  ''),
 (('request_documents', 'status_page', 'en'),
  'Your application needs more documents',
  'Please provide: {{ documents }}.{% if reason %} Note: {{ reason }}{% endif %} Stage: {{ stage }}. {{ next_step }}{% '
  'if expected_date %} Expected by {{ expected_date }}.{% endif %}',
  ''),
 (('request_documents', 'status_page', 'zh-hans'),
  '申请需要补充材料',
  '请补充：{{ documents }}。{% if reason %}说明：{{ reason }}{% endif %}当前阶段：{{ stage }}。{{ next_step }}{% if expected_date '
  '%}预计{{ expected_date }}前完成本阶段。{% endif %}',
  ''),
 (('request_documents', 'status_page', 'zh-hans'),
  '申请需要补充材料',
  '请补充：{{ documents }}。{% if reason %}说明：{{ reason }}{% endif %}当前阶段：{{ stage }}。{{ next_step }}{% if expected_date '
  '%}预计最迟{{ expected_date }}完成本阶段。{% endif %}',
  ''),
 (('withdraw', 'email', 'en'),
  'Your mortgage application {{ case_number }} has been withdrawn',
  'Dear {{ borrower_name }},\n'
  '\n'
  'Your mortgage application (number {{ case_number }}) has been withdrawn.\n'
  '{% if reason %}Reason: {{ reason }}{% endif %}\n'
  'Current stage: {{ stage }}\n'
  'What happens next: {{ next_step }}\n'
  '{% if expected_date %}Expected by {{ expected_date }}.{% endif %}\n'
  'Follow your application and confirm that you received this message:\n'
  '{{ status_url }}\n'
  '\n'
  'Questions? Call {{ branch_name }} on {{ hotline }}{% if hotline_hours %} ({{ hotline_hours }}){% endif %}.\n',
  '<div style="font-family:sans-serif;max-width:560px"><p>Dear {{ borrower_name }},</p><p>Your mortgage application '
  '(number {{ case_number }}) <strong>has been withdrawn</strong>.</p><p>{% if reason %}Reason: {{ reason }}{% endif '
  '%}</p><p>Current stage: {{ stage }}<br>What happens next: {{ next_step }}{% if expected_date %}<br>Expected by {{ '
  'expected_date }}.{% endif %}</p><p><a href="{{ status_url }}">Follow your application and confirm '
  'receipt</a></p><p>Questions? Call {{ branch_name }} on {{ hotline }}{% if hotline_hours %} ({{ hotline_hours }}){% '
  'endif %}.</p></div>'),
 (('withdraw', 'email', 'zh-hans'),
  '您的房贷申请{{ case_number }}已撤回',
  '{{ borrower_name }}您好：\n'
  '\n'
  '您的房贷申请（编号 {{ case_number }}）已撤回。\n'
  '{% if reason %}原因：{{ reason }}{% endif %}\n'
  '当前阶段：{{ stage }}\n'
  '下一步：{{ next_step }}\n'
  '{% if expected_date %}预计{{ expected_date }}前完成本阶段。{% endif %}\n'
  '请打开以下链接查看进度，并点击“我已收到”确认：\n'
  '{{ status_url }}\n'
  '\n'
  '如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}\n',
  '<div style="font-family:sans-serif;max-width:560px"><p>{{ borrower_name }}您好：</p><p>您的房贷申请（编号 {{ case_number '
  '}}）<strong>已撤回</strong>。</p><p>{% if reason %}原因：{{ reason }}{% endif %}</p><p>当前阶段：{{ stage }}<br>下一步：{{ next_step '
  '}}{% if expected_date %}<br>预计{{ expected_date }}前完成本阶段。{% endif %}</p><p><a href="{{ status_url '
  '}}">查看进度并确认收到</a></p><p>如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif '
  '%}</p></div>'),
 (('withdraw', 'email', 'zh-hans'),
  '您的房贷申请{{ case_number }}已撤回',
  '{{ borrower_name }}您好：\n'
  '\n'
  '您的房贷申请（编号 {{ case_number }}）已撤回。\n'
  '{% if reason %}原因：{{ reason }}{% endif %}\n'
  '当前阶段：{{ stage }}\n'
  '下一步：{{ next_step }}\n'
  '{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}\n'
  '请打开以下链接查看进度，并点击“我已收到”确认：\n'
  '{{ status_url }}\n'
  '\n'
  '如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif %}\n',
  '<div style="font-family:sans-serif;max-width:560px"><p>{{ borrower_name }}您好：</p><p>您的房贷申请（编号 {{ case_number '
  '}}）<strong>已撤回</strong>。</p><p>{% if reason %}原因：{{ reason }}{% endif %}</p><p>当前阶段：{{ stage }}<br>下一步：{{ next_step '
  '}}{% if expected_date %}<br>预计最迟{{ expected_date }}完成本阶段。{% endif %}</p><p><a href="{{ status_url '
  '}}">查看进度并确认收到</a></p><p>如有疑问，请致电{{ branch_name }}：{{ hotline }}{% if hotline_hours %}（{{ hotline_hours }}）{% endif '
  '%}</p></div>'),
 (('withdraw', 'sms', 'en'),
  '',
  'Dear {{ borrower_name }}, your mortgage application {{ case_number }} has been withdrawn. {% if reason %}Reason: {{ '
  'reason }}{% endif %} Stage: {{ stage }}. {{ next_step }}{% if expected_date %} Expected by {{ expected_date }}.{% '
  'endif %} Details and confirm receipt: {{ status_url }} Questions: {{ hotline }}',
  ''),
 (('withdraw', 'sms', 'zh-hans'),
  '',
  '【房贷进度】{{ borrower_name }}您好，您的房贷申请{{ case_number }}已撤回。{% if reason %}原因：{{ reason }}{% endif %}当前阶段：{{ stage }}。{{ '
  'next_step }}{% if expected_date %}预计{{ expected_date }}前完成本阶段。{% endif %}查看进度并确认收到：{{ status_url }} 咨询：{{ hotline '
  '}}',
  ''),
 (('withdraw', 'sms', 'zh-hans'),
  '',
  '【房贷进度】{{ borrower_name }}您好，您的房贷申请{{ case_number }}已撤回。{% if reason %}原因：{{ reason }}{% endif %}当前阶段：{{ stage }}。{{ '
  'next_step }}{% if expected_date %}预计最迟{{ expected_date }}完成本阶段。{% endif %}查看进度并确认收到：{{ status_url }} 咨询：{{ hotline '
  '}}',
  ''),
 (('withdraw', 'status_page', 'en'),
  'Your application has been withdrawn',
  '{% if reason %}Reason: {{ reason }}{% endif %} Stage: {{ stage }}. {{ next_step }}{% if expected_date %} Expected '
  'by {{ expected_date }}.{% endif %}',
  ''),
 (('withdraw', 'status_page', 'zh-hans'),
  '申请已撤回',
  '{% if reason %}原因：{{ reason }}{% endif %}当前阶段：{{ stage }}。{{ next_step }}{% if expected_date %}预计{{ expected_date '
  '}}前完成本阶段。{% endif %}',
  ''),
 (('withdraw', 'status_page', 'zh-hans'),
  '申请已撤回',
  '{% if reason %}原因：{{ reason }}{% endif %}当前阶段：{{ stage }}。{{ next_step }}{% if expected_date %}预计最迟{{ expected_date '
  '}}完成本阶段。{% endif %}',
  '')]


def forwards(apps, schema_editor):
    template = apps.get_model("notifications", "MessageTemplate")
    for (key, channel, language), subject, body_text, body_html in PREVIOUS:
        new_subject, new_text, new_html = NEW[(key, channel, language)]
        template.objects.filter(
            key=key, channel=channel, language=language, subject=subject, body_text=body_text, body_html=body_html
        ).update(subject=new_subject, body_text=new_text, body_html=new_html)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0007_borrower_link_from_borrowers")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
