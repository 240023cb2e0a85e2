# Redirections: files, appending, descriptors, /dev/null, input, here-documents.
#### write and append
echo hi > out; cat out; echo more >> out; cat out
#### stderr to stdout
echo err 1>&2; echo out; echo both > log 2>&1; cat log
#### discard output
echo x >/dev/null; echo $?; cat nofile 2>/dev/null; echo $?
#### order of redirections
cat nofile 2>&1 >/dev/null
#### group output redirected
{ echo a; echo b >&2; } 2>&1 | cat
#### input from a missing file
cat < nofile; echo $?
#### a loop reading a missing file
while read line; do echo "got $line"; done < nofile; echo after
#### a loop reading a file
printf 'a\nb\nc\n' > f; while read l; do echo "[$l]"; done < f
#### read splits fields
printf 'x y  z\n' > f; read a b < f; echo "$a|$b"
#### read with a custom IFS
printf 'a::c\n' > f; IFS=: read x y z < f; echo "[$x][$y][$z]"
#### read at end of input
printf 'last' > f; read x < f; echo "[$x] $?"
#### read without a name
printf 'x\n' > f; read < f; echo "[$REPLY] $?"
#### read -r keeps backslashes
printf 'a\\b\n' > f; read x < f; read -r y < f; echo "$x $y"
#### exec opens and closes descriptors
exec 3>log3; echo to3 >&3; exec 3>&-; cat log3
#### exec redirects the rest of the script
exec >out2; echo hidden; exec >/dev/stderr; cat out2
#### writing to a closed descriptor
echo hi >&3
#### creating a file in a missing directory
echo x > nodir/file; echo $?
#### a special builtin with a failed redirection ends the script
: > nodir/x; echo $?
#### writing to a directory
mkdir d; echo hi > d
#### here-document
x=val; cat <<X
plain $x $((1+1)) `echo cmd`
X
#### quoted here-document delimiter
cat <<'X'
quoted $HOME
X
#### here-document with tabs stripped
cat <<-X
	tabbed
	X
#### here-document escapes
x=val; cat <<X
a\$b \\ ${x} "q"
X
#### here-document written to a file
cat <<EOF > conf
key=value
EOF
cat conf
#### an assignment whose redirection fails is not made
x=1 > nodir/f; echo $? "[$x]"
#### a redirection without a command
> newfile; [ -f newfile ] && echo created; < nofile; echo $?
#### a readonly assignment after its redirection
readonly PI=3; PI=4 2>/dev/null; echo unreachable
#### output to a closed descriptor
echo ok >&-; echo $?; printf ok >&-; echo $?
#### stdout and stderr devices
echo a > /dev/stdout; echo b 2> /dev/stderr 1>&2
#### two here-documents on one line
cat <<A; cat <<B
a
A
b
B
#### a here-document in a function
f() { cat <<E
in $1
E
}; f arg
