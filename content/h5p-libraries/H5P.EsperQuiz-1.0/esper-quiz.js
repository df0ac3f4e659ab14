/*
 * H5P.EsperQuiz 1.0: questions with one or several right answers, an explanation after
 * answering, a score reported through xAPI ("answered", with score, completion and success).
 * Written for ESPER Parcours; plain DOM so that it reads well with a keyboard and a screen reader.
 */
var H5P = H5P || {};

H5P.EsperQuiz = (function (EventDispatcher) {
  'use strict';

  function EsperQuiz(params, contentId, extras) {
    EventDispatcher.call(this);
    this.params = params || {};
    this.contentId = contentId;
    this.extras = extras || {};
    this.questions = (this.params.questions || []).filter(function (q) {
      return q && q.question && q.answers && q.answers.length >= 2;
    });
    this.passRatio = typeof this.params.passPercentage === 'number' ? this.params.passPercentage / 100 : 0.8;
  }

  EsperQuiz.prototype = Object.create(EventDispatcher.prototype);
  EsperQuiz.prototype.constructor = EsperQuiz;

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function rightAnswers(question) {
    return question.answers.filter(function (a) { return a.correct; }).length;
  }

  EsperQuiz.prototype.getMaxScore = function () {
    return this.questions.length;
  };

  EsperQuiz.prototype.attach = function ($container) {
    var self = this;
    var root = $container.get ? $container.get(0) : $container;
    root.classList.add('h5p-esper-quiz');
    root.innerHTML = '';
    var title = (this.extras.metadata && this.extras.metadata.title) || '';
    if (title) root.appendChild(el('h2', { 'class': 'eq-title' }, title));
    if (this.params.intro) root.appendChild(el('p', { 'class': 'eq-intro' }, this.params.intro));

    // A plain container, not a <form>: the player's sandbox forbids form submission.
    var form = el('div', { 'class': 'eq-form' });
    this.questions.forEach(function (question, qIndex) {
      var multiple = rightAnswers(question) > 1;
      var fieldset = el('fieldset', { 'class': 'eq-question', 'data-index': String(qIndex) });
      var legend = el('legend', {}, (qIndex + 1) + '. ' + question.question);
      fieldset.appendChild(legend);
      if (multiple) fieldset.appendChild(el('p', { 'class': 'eq-hint' }, 'Plusieurs réponses possibles.'));
      question.answers.forEach(function (answer, aIndex) {
        var id = 'eq-' + self.contentId + '-' + qIndex + '-' + aIndex;
        var row = el('div', { 'class': 'eq-answer' });
        var input = el('input', { type: multiple ? 'checkbox' : 'radio', name: 'q' + qIndex, id: id, value: String(aIndex) });
        var label = el('label', { 'for': id }, answer.text);
        row.appendChild(input);
        row.appendChild(label);
        fieldset.appendChild(row);
      });
      var feedback = el('div', { 'class': 'eq-feedback', 'aria-live': 'polite' });
      fieldset.appendChild(feedback);
      form.appendChild(fieldset);
    });

    var result = el('p', { 'class': 'eq-result', role: 'status', 'aria-live': 'polite' });
    var submit = el('button', { type: 'button', 'class': 'eq-button' }, 'Valider mes réponses');
    var retry = el('button', { type: 'button', 'class': 'eq-button eq-button--secondary', hidden: 'hidden' }, 'Recommencer');
    form.appendChild(submit);
    form.appendChild(retry);
    form.appendChild(result);
    root.appendChild(form);

    submit.addEventListener('click', function () {
      var unanswered = [];
      self.questions.forEach(function (question, qIndex) {
        if (!form.querySelector('input[name="q' + qIndex + '"]:checked')) unanswered.push(qIndex + 1);
      });
      if (unanswered.length) {
        result.textContent = 'Répondez à toutes les questions avant de valider (question' + (unanswered.length > 1 ? 's ' : ' ') + unanswered.join(', ') + ').';
        return;
      }
      var score = 0;
      self.questions.forEach(function (question, qIndex) {
        var fieldset = form.querySelector('fieldset[data-index="' + qIndex + '"]');
        var right = true;
        question.answers.forEach(function (answer, aIndex) {
          var input = fieldset.querySelector('input[value="' + aIndex + '"]');
          if (input.checked !== Boolean(answer.correct)) right = false;
          input.disabled = true;
          if (answer.correct) input.parentNode.classList.add('eq-answer--right');
          else if (input.checked) input.parentNode.classList.add('eq-answer--wrong');
        });
        if (right) score++;
        var feedback = fieldset.querySelector('.eq-feedback');
        feedback.textContent = '';
        feedback.appendChild(el('strong', {}, right ? 'Bonne réponse. ' : 'Pas tout à fait. '));
        if (question.explanation) feedback.appendChild(document.createTextNode(question.explanation));
        fieldset.classList.add(right ? 'eq-question--right' : 'eq-question--wrong');
      });
      var max = self.getMaxScore();
      var success = max > 0 && score / max >= self.passRatio;
      result.textContent = 'Votre score : ' + score + ' sur ' + max + '. ' + (success ? 'Bravo, c’est réussi.' : 'Relisez les explications, puis recommencez si vous le souhaitez.');
      submit.hidden = true;
      retry.hidden = false;
      retry.focus();
      self.triggerXAPIScored(score, max, 'answered', true, success);
      self.trigger('resize');
    });

    retry.addEventListener('click', function () {
      self.attach($container);
      var first = root.querySelector('input');
      if (first) first.focus();
      self.trigger('resize');
    });
  };

  return EsperQuiz;
})(H5P.EventDispatcher);
