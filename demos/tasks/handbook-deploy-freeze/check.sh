grep -qx "start: 14:00" answer.txt && grep -qx "approver: Priya Raman" answer.txt
