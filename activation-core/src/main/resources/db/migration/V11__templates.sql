-- Templates per channel (io.activation.template): each channel's parts (e-mail subject + html + text, SMS text, push
-- title/body/image, wallet passType/description, print letter, webhook body) and a key-value map (push data, wallet
-- pass fields), all Liquid. subject and body stay as the first API's view (the subject and the channel's main part),
-- so clients of that API and readers of the columns keep working.
alter table templates
    add column parts jsonb not null default '{}'::jsonb,
    add column data  jsonb not null default '{}'::jsonb,
    alter column body drop not null;

update templates set parts = jsonb_strip_nulls(case channel
    when 'email'   then jsonb_build_object('subject', subject, 'html', body)
    when 'sms'     then jsonb_build_object('text', body)
    when 'push'    then jsonb_build_object('title', subject, 'body', body)
    when 'wallet'  then jsonb_build_object('description', body)
    when 'print'   then jsonb_build_object('letter', body)
    else                jsonb_build_object('body', body)
end);
