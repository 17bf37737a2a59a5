" autoload/hypencoder/ui.vim - what the plugin reads from the user and tells them: options
" (b:hypencoder_NAME over g:hypencoder_NAME), messages (echoed and kept for
" hypencoder#status()), progress on the command line, and the User events.

let s:save_cpo = &cpo
set cpo&vim

" The user's part of hypencoder#status(): the last 100 messages and the last progress line.
let s:state = {
      \ 'messages': [],
      \ 'last_progress': '',
      \ }

function! hypencoder#ui#state() abort
  return deepcopy(s:state)
endfunction

" ---------------------------------------------------------------------------------------
" Options

function! hypencoder#ui#option(name, default) abort
  return get(b:, 'hypencoder_' . a:name, get(g:, 'hypencoder_' . a:name, a:default))
endfunction

" ---------------------------------------------------------------------------------------
" Messages

function! s:remember(kind, message) abort
  call add(s:state.messages, {'kind': a:kind, 'text': a:message})
  if len(s:state.messages) > 100
    call remove(s:state.messages, 0)
  endif
endfunction

function! hypencoder#ui#info(message) abort
  call s:remember('info', a:message)
  echomsg 'Hypencoder: ' . a:message
endfunction

function! hypencoder#ui#warn(message) abort
  call s:remember('warning', a:message)
  echohl WarningMsg
  echomsg 'Hypencoder: ' . a:message
  echohl None
endfunction

function! hypencoder#ui#error(message) abort
  call s:remember('error', a:message)
  echohl ErrorMsg
  echomsg 'Hypencoder: ' . a:message
  echohl None
endfunction

" Progress: shown, not kept in the message history.
function! hypencoder#ui#progress(message) abort
  let s:state.last_progress = a:message
  if hypencoder#ui#option('progress', 1)
    if mode() !~# '^c'
      redraw
    endif
    echo 'Hypencoder: ' . a:message
  endif
endfunction

" ---------------------------------------------------------------------------------------
" Events

function! hypencoder#ui#fire(event) abort
  if exists('#User#' . a:event)
    execute 'doautocmd <nomodeline> User ' . a:event
  endif
endfunction

let &cpo = s:save_cpo
unlet s:save_cpo
