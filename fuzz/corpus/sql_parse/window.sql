select a, row_number() over w, lag(b, 1, 0) over (partition by a order by c rows between 2 preceding and current row)
from t window w as (partition by a order by b desc nulls last) qualify rank() over w <= 3
