# fish completion for falco-route(1)

# the sink forms besides files
function __falco_route_sinks
    printf '%s\t%s\n' - 'standard output' '&3' 'inherited descriptor 3' \
        '|' 'a long-lived command' '!' 'a command per alert'
    __fish_complete_path (commandline -ct)
end

complete -c falco-route -f
complete -c falco-route -s w -l when -x -d 'Start a route for alerts where condition holds'
complete -c falco-route -s t -l to -x -a '(__falco_route_sinks)' -d "Send the last route's alerts to sink"
complete -c falco-route -l first -d 'Send each alert along the first matching route only'
complete -c falco-route -s d -l default -x -a '(__falco_route_sinks)' -d 'Where alerts no route took go'
complete -c falco-route -s f -l routes -r -F -d 'Read routes from a file, CONDITION -> SINK a line'
complete -c falco-route -s l -l lists -r -F -d 'Load the "- list:" items of a Falco rules file'
complete -c falco-route -l queue -x -d 'Alerts held per sink before --on-full applies'
complete -c falco-route -l queue-bytes -x -d 'Bytes of alerts held per sink before --on-full applies'
complete -c falco-route -l on-full -x -a 'spool block drop' -d 'What a full queue does'
complete -c falco-route -l spool-dir -x -a '(__fish_complete_directories)' -d 'Directory for spool files'
complete -c falco-route -l restart-max -x -d 'Restarts of a |CMD that reads nothing'
complete -c falco-route -l max-procs -x -d '!CMD runs at once'
complete -c falco-route -l exec-timeout -x -d 'Kill a !CMD run after a duration'
complete -c falco-route -l drain-timeout -x -d 'Time to deliver what is queued at the end'
complete -c falco-route -l no-sandbox -d 'Do not confine it and its sinks with seccomp (for debugging)'
complete -c falco-route -l follow -d 'At the end of a FIFO or file wait for more, as tail -F'
complete -c falco-route -l max-line-bytes -x -d 'Skip longer lines with a warning (bytes, K, M, G)'
complete -c falco-route -l verbose -d 'Print every sink summary at exit'
complete -c falco-route -s h -l help -d 'Show help and exit'
complete -c falco-route -s V -l version -d 'Show the version and exit'
# operands: alert files
complete -c falco-route -n 'not string match -q -- "-*" (commandline -ct)' -F
