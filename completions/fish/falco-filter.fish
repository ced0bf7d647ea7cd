# fish completion for falco-filter(1)

# Field names that Falco alerts commonly carry: the top-level keys, then
# output_fields keys. Any other name works too; these are only offered.
function __falco_filter_fields
    printf '%s\n' rule priority source hostname output time tags uuid \
        evt.time evt.type evt.arg.flags evt.hostname \
        user.name user.uid user.loginuid \
        proc.name proc.pname proc.cmdline proc.pcmdline proc.exepath proc.pexepath \
        proc.pid proc.tty 'proc.aname[2]' 'proc.aname[3]' \
        container.id container.name container.image.repository container.image.tag \
        k8s.ns.name k8s.pod.name \
        fd.name fd.sip fd.cip fd.sport fd.cport fd.rip fd.lip fd.rport fd.lport \
        ka.user.name ka.verb ka.uri ka.target.namespace ka.target.name \
        ka.target.resource ka.response.code
end

# the format typed so far, with each field name offered after its last %
function __falco_filter_format
    set -l token (commandline -ct)
    string match -q -- '*%*' $token; or return
    set -l prefix (string replace -r -- '%[^%]*$' '%' $token)
    for field in (__falco_filter_fields)
        printf '%s%s\n' $prefix $field
    end
end

# the comma-separated fields typed so far, with one more offered
function __falco_filter_field_list
    set -l token (commandline -ct)
    string match -q -- '*:*' $token; and return
    set -l prefix (string replace -r -- '[^,]*$' '' $token)
    for field in (__falco_filter_fields)
        printf '%s%s\n' $prefix $field
    end
end

set -l priorities 'emergency alert critical error warning notice informational info debug'

complete -c falco-filter -f
complete -c falco-filter -s c -l count -d 'Print only the number of selected alerts'
complete -c falco-filter -s e -l expr -x -a '(__falco_filter_fields)' -d 'Condition that must hold (all must hold)'
complete -c falco-filter -s h -l help -d 'Show help and exit'
complete -c falco-filter -s l -l lists -r -F -d 'Load the lists and macros of a Falco rules file'
complete -c falco-filter -s m -l max-count -x -d 'Stop after N selected alerts'
complete -c falco-filter -s o -l output -x -a '(__falco_filter_format)' -d 'Print a line per alert from a Falco-style format'
complete -c falco-filter -s p -l min-priority -x -a $priorities -d 'Only alerts at least as severe as priority'
complete -c falco-filter -s q -l quiet -d 'Print nothing; exit 0 at the first selected alert'
complete -c falco-filter -s r -l rule -x -d 'Only alerts whose rule matches glob (any)'
complete -c falco-filter -s s -l no-messages -d 'No warnings about bad lines'
complete -c falco-filter -l tag -x -d 'Only alerts carrying tag (all)'
complete -c falco-filter -s v -l invert -d 'Select the alerts that do not match'
complete -c falco-filter -s w -l when -x -a '(__falco_filter_fields)' -d 'Condition that must hold (same as -e)'
complete -c falco-filter -s V -l version -d 'Show the version and exit'
complete -c falco-filter -l check -d 'Check the condition and exit 0 or 2; read no input'
complete -c falco-filter -l json-fields -x -a '(__falco_filter_field_list)' -d 'Print a JSON object of those fields'
complete -c falco-filter -l follow -d 'At the end of a FIFO or file wait for more, as tail -F'
complete -c falco-filter -l max-line-bytes -x -d 'Skip longer lines with a warning (bytes, K, M, G)'
complete -c falco-filter -l no-sandbox -d 'Do not confine the loop with seccomp (for debugging)'
complete -c falco-filter -l strict -d 'A bad line is fatal (exit 2)'
complete -c falco-filter -l throttle -x -a '(__falco_filter_field_list)' -d 'One alert per value of FIELDS:DURATION'
complete -c falco-filter -l throttle-keys -x -d 'Remember at most N throttle keys'
# operands: the condition, then alert files
complete -c falco-filter -n 'not string match -q -- "-*" (commandline -ct)' -F
