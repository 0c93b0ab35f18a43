f=oncall-brief.md; grep -q "Tuesday" $f && grep -q "5 minutes" $f && grep -q "15 minutes" $f && grep -q "1 hour" $f && grep -q "14:00" $f && [ "$(grep -c "^- " $f)" -le 10 ]
