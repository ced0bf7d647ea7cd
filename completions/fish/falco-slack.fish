# fish completion for falco-slack(1)

set -l priorities 'emergency alert critical error warning notice informational debug'

complete -c falco-slack -s u -l webhook-url -x -d 'Webhook URL (visible to other users in ps)'
complete -c falco-slack -l webhook-url-file -r -F -d 'Read the webhook URL from a file'
complete -c falco-slack -l channel -x -d "Post to a channel instead of the webhook's own"
complete -c falco-slack -l username -x -d 'Post as this name'
complete -c falco-slack -l icon-emoji -x -d 'Icon of the poster, as :emoji:'
complete -c falco-slack -l icon-url -x -d 'Icon of the poster, as an image URL'
complete -c falco-slack -l footer -x -d "Footer of each alert's attachment"
complete -c falco-slack -l format -x -a 'all text fields' -d 'Attachment content'
complete -c falco-slack -l message -x -d 'Top-level text from a %field template'
complete -c falco-slack -s p -l min-priority -x -a "$priorities" -d 'Post only alerts of this priority or worse'
complete -c falco-slack -s w -l when -x -d 'Post only alerts that satisfy a condition'
complete -c falco-slack -s l -l lists -r -F -d 'Load the lists and macros of a Falco rules file'
complete -c falco-slack -l mattermost -d "No effect: every chat's mentions are always defused"
complete -c falco-slack -s n -l dry-run -d 'Print the payloads instead of the alerts; post nothing'
complete -c falco-slack -s q -l quiet -d 'Do not pass alerts through to standard output'
complete -c falco-slack -l rate -x -d 'At most N messages per period (N/DURATION)'
complete -c falco-slack -l digest-max -x -d 'Alerts shown in full in a digest'
complete -c falco-slack -l retries -x -d 'Retries after the first try'
complete -c falco-slack -l timeout -x -d 'Time allowed for one request'
complete -c falco-slack -l dead-letter -r -F -d 'Append undelivered alerts to a file'
complete -c falco-slack -l drain-timeout -x -d 'Time to post what is queued at the end'
complete -c falco-slack -l no-sandbox -d 'Do not confine the program with seccomp (for debugging)'
complete -c falco-slack -l follow -d 'At the end of a FIFO or file wait for more, as tail -F'
complete -c falco-slack -l max-line-bytes -x -d 'Skip longer lines with a warning'
complete -c falco-slack -l queue-size -x -d 'Alerts waiting in memory to be posted'
complete -c falco-slack -l queue-bytes -x -d 'Bytes of alerts waiting in memory'
complete -c falco-slack -l max-spool -x -d 'Bytes of waiting alerts kept on disk past that'
complete -c falco-slack -l cacert -r -F -d 'Trust the CA certificates in a PEM file'
complete -c falco-slack -s h -l help -d 'Print the help and exit'
complete -c falco-slack -s V -l version -d 'Print the version and exit'
