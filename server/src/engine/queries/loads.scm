; Where local function-pointer variables get their value. Run only over the functions
; that call through a local variable, e.g. in __netif_receive_skb_core:
;   rx_handler = rcu_dereference(skb->dev->rx_handler);  ...  rx_handler(&skb)
(assignment_expression left: (identifier) @load.var right: (_) @load.value)
(init_declarator
  declarator: [
    (identifier) @load.var
    (pointer_declarator declarator: (identifier) @load.var)
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @load.var)))
  ]
  value: (_) @load.value)
