# Quoting: single, double, backslash; what stays literal and what is expanded.
#### quotes keep spaces
echo "a  b" 'c  d' e\ \ f
#### single quotes keep dollar signs
echo "$HOME" '$HOME' \$HOME
#### backslash in double quotes
echo "a\$b" "c\\d" "e\"f" "g\h"
#### empty arguments
set -- "" ''; echo $#
#### adjacent quoted parts join
echo 'a'"b"c\d
#### quoted glob characters
echo '*' "*" \* "?"
#### a final backslash stays
echo a\
#### line continuation
echo a\
b
#### comments
echo a # comment
echo "a # not a comment"
#### unterminated double quote
echo "unterminated
#### unterminated single quote
echo 'x
#### semicolons without spaces
echo a;echo b;
