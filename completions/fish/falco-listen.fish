# fish completion for falco-listen(1)

set -l priorities 'emergency alert critical error warning notice informational debug'

complete -c falco-listen -f
complete -c falco-listen -l listen -x -a '127.0.0.1:2801 [::1]:2801 0.0.0.0:2801 [::]:2801' -d 'Listen there (repeatable; default 127.0.0.1:2801)'
complete -c falco-listen -l port-file -r -F -d 'Write the ports listened on to a file'
complete -c falco-listen -l tls-cert -r -F -d 'Serve HTTPS with this certificate (PEM)'
complete -c falco-listen -l tls-key -r -F -d "The certificate's private key (PEM)"
complete -c falco-listen -l client-ca -r -F -d 'Require a client certificate signed by these CAs'
complete -c falco-listen -l token-file -r -F -d 'Require a bearer token, read from a file'
complete -c falco-listen -s w -l when -x -d 'Only alerts where a condition holds'
complete -c falco-listen -s p -l min-priority -x -a "$priorities" -d 'Only alerts of this priority or more severe'
complete -c falco-listen -s l -l lists -r -F -d 'Load the lists and macros of a Falco rules file'
complete -c falco-listen -l max-line-bytes -x -d 'Answer 413 to a longer alert'
complete -c falco-listen -l max-body -x -d 'Answer 413 to a larger request body'
complete -c falco-listen -l max-connections -x -d 'Connections served at once'
complete -c falco-listen -l timeout -x -d 'Close a connection idle that long'
complete -c falco-listen -l queue-size -x -d 'Alerts held in memory for standard output'
complete -c falco-listen -l queue-bytes -x -d 'Bytes held in memory for standard output'
complete -c falco-listen -l max-spool -x -d 'Bytes spooled to disk before answering 503'
complete -c falco-listen -l drain-timeout -x -d 'Time to write what is held after SIGTERM'
complete -c falco-listen -l no-sandbox -d 'Do not confine the program with seccomp (for debugging)'
complete -c falco-listen -l dead-letter -r -F -d 'Keep what could not be written in a file'
complete -c falco-listen -s h -l help -d 'Print the help and exit'
complete -c falco-listen -s V -l version -d 'Print the version and exit'
