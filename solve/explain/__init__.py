"""Why a plan is what it is: conflicts of an impossible plan, shortfalls, binding limits."""
