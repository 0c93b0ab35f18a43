for l in "A: 3" "B: 3" "C: 3" "D: 1" "F: 2"; do grep -qx "$l" distribution.md || exit 1; done
