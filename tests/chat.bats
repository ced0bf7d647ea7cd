#!/usr/bin/env bats
# common/chat.c: alert text defused for chats, checked through the
# tests/tools/chat driver. Z is U+200B ZERO WIDTH SPACE, the defuser.

load test_helper

setup() {
	Z=$(printf '\342\200\213')
}

@test "@everyone and @here are defused wherever they stand, in any case" {
	run -0 chat mentions '@everyone @Here root@here.example x@EVERYONE'
	assert_output "@${Z}everyone @${Z}Here root@${Z}here.example x@${Z}EVERYONE"
}

@test "an @ that starts a word before a name is defused: @channel, @all, @username" {
	run -0 chat mentions '@channel (@all) "@root" @j.doe @_svc @-x'
	assert_output "@${Z}channel (@${Z}all) \"@${Z}root\" @${Z}j.doe @${Z}_svc @${Z}-x"
}

@test "an @ after a letter or digit, as in an e-mail address, is left alone" {
	run -0 chat mentions 'mail@example.com root@node-1 9@x'
	assert_output 'mail@example.com root@node-1 9@x'
}

@test "an @ before a blank, another @ or nothing is left alone" {
	run -0 chat mentions 'a @ b @@ @'
	assert_output 'a @ b @@ @'
}

@test "Discord's user, nickname and role mentions are defused" {
	run -0 chat mentions '<@80351110224678912> <@!80351110224678912> <@&165511591545143296>'
	assert_output "<@${Z}80351110224678912> <@${Z}!80351110224678912> <@${Z}&165511591545143296>"
}

@test "user names of other scripts are defused too" {
	run -0 chat mentions '@José @ñandú'
	assert_output "@${Z}José @${Z}ñandú"
}

@test "a Mattermost channel link ~name is defused, a home directory ~/ is not" {
	run -0 chat mentions '~town-square ~off_topic cd ~/x a~b'
	assert_output "~${Z}town-square ~${Z}off_topic cd ~/x a~b"
}

@test "Markdown links, images, reference links and definitions are defused" {
	run -0 chat links '[bank.example](https://evil.example) ![x](https://t.example/p.gif) [a][1] [b][]
[1]: https://evil.example'
	assert_output "[bank.example]${Z}(https://evil.example) ![x]${Z}(https://t.example/p.gif) [a]${Z}[1] [b]${Z}[]
[1]${Z}: https://evil.example"
}

@test "brackets that make no link are left alone" {
	run -0 chat links 'a[1] = b[2] (x) [y] ] ( ]'
	assert_output 'a[1] = b[2] (x) [y] ] ( ]'
}

@test "angle-bracket markup is defused: Discord's channels and commands, Google Chat's users and links" {
	run -0 chat angles '<#1234> </deploy:99> <users/all> <https://evil.example|bank> <!here>'
	assert_output "<${Z}#1234> <${Z}/deploy:99> <${Z}users/all> <${Z}https://evil.example|bank> <${Z}!here>"
}

@test "a < before a blank or at the end is left alone" {
	run -0 chat angles 'a < b <'
	assert_output 'a < b <'
}

@test "Slack's escaping turns & < > into entities and nothing else" {
	run -0 chat slack "<!channel> & \"q\" 'a' &#39; >"
	assert_output "&lt;!channel&gt; &amp; \"q\" 'a' &amp;#39; &gt;"
}

@test "invalid UTF-8 and NUL become U+FFFD, one for each byte" {
	run -0 chat utf8 < <(printf 'a\0b\377c\342\202 \355\240\200 \300\257 ok é')
	assert_output "$(printf 'a\357\277\275b\357\277\275c\357\277\275\357\277\275 \357\277\275\357\277\275\357\277\275 \357\277\275\357\277\275 ok é')"
}

@test "defusing text that is already defused adds nothing" {
	text='@everyone @root ~chan [a](b) [r]: u <#1>'
	run -0 chat mentions,links,angles "$text"
	once=$output
	run -0 chat mentions,links,angles "$once"
	assert_output "$once"
}

@test "text within the limit is not cut" {
	run -0 chat cut:15 'fifteen chars..' 'éééééééééééééé'
	assert_output 'fifteen chars..
éééééééééééééé'
}

@test "a cut keeps at most the limit, the marker included" {
	run -0 chat cut:15 'sixteen chars...' 'éééééééééééééééé'
	assert_output 'six…[truncated]
ééé…[truncated]'
}

@test "a cut counts an escape as the characters it shows and never splits one" {
	run -0 chat slack,cut:20 'ab&&&&&&&'
	# a, b and one &amp; (7 characters) and the marker (12) fit in 20
	assert_output 'ab&amp;…[truncated]'
}

@test "a cut never separates a defusing zero-width space from its @" {
	# "xy@" is 3 characters, the marker 12: the cut falls after the @,
	# before the U+200B that defuses it, so it goes back before the @
	run -0 chat mentions,cut:15 'xy@everyone and more'
	assert_output 'xy…[truncated]'
}
