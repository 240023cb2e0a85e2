# Command substitution: $(...) and backquotes, nesting, trailing newlines, status.
#### dollar parentheses
x=$(echo one; echo two); echo "$x"
#### backquotes
x=`echo back`; echo $x
#### nested substitutions
echo "$(echo "nested $(echo deep)")"
#### nested backquotes
echo `echo \`echo inner\``
#### trailing newlines are removed
echo $(printf 'a\n\n\n')end
#### status of an assignment from a substitution
x=$(exit 3); echo $?
#### a substitution that is not found
x=$(foo); echo "[$x] $?"
#### case inside a substitution
echo $(case x in x) echo matched;; esac)
#### substitution results are split
set -- $(echo a b c); echo $#; set -- "$(echo a b c)"; echo $#
#### empty substitution
echo "[$()]"
#### unterminated substitution
echo $(
#### unterminated backquote
echo `echo hi
